"""The archive writer with hostile items: file names come only from validated ids and site
keys, so no title, slug or id can write outside the archive; titles cannot inject markup."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newscrawl.archive.document import parse_document, render_document
from newscrawl.archive.writer import ArchiveError, ArchiveWriter, document_name
from newscrawl.errors import NewscrawlError
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.loaders import load_article
from newscrawl.sites import get_site
from tests.samples import sample_item
from tests.security.unsafe import unsafe_parts

FETCHED_AT = datetime(2025, 3, 1, tzinfo=timezone.utc)
HOSTILE_TEXT = {
    "parent": "../../../../etc/passwd",
    "absolute": "/etc/passwd",
    "slashes": "a/b\\c/../d",
    "nul": "标题\x00.txt",
    "controls": "\x01\x07\x1b[31m红\x7f",
    "newlines": "第一行\r\n第二行\n------",
    "long": "长" * 100_000,
    "dots": "..",
    "tilde": "~/.ssh/authorized_keys",
}
HOSTILE_IDS = [
    "../../etc/passwd", "/etc/passwd", "1/../../2", "..", ".", "", " 1", "1 ", "1\n", "1\x00", "1.txt",
    "1/2", "%2e%2e%2f1", "9" * 21, "-1", "1e5", None, "C:\\1", "~1",
]
HOSTILE_SITES = ["../voachinese", "/tmp", "voachinese/..", "", "VOA", "voa chinese", "voa\x00", "a" * 41, None]


def files_under(path: Path) -> set[str]:
    return {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[ArchiveWriter, Path]:
    """A writer whose archive is one level below a directory watched for stray files."""
    return ArchiveWriter(tmp_path / "archive"), tmp_path


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_titles_and_slugs_do_not_reach_the_file_name(sandbox, text):
    writer, outside = sandbox
    item = sample_item("7978772", title=text, url=f"https://www.voanews.com/a/{text}/7978772.html")
    path = writer.write(item)
    assert path == writer.root / "voanews" / "7978772.txt"
    assert files_under(outside) == {"archive/voanews/7978772.txt"}


@pytest.mark.parametrize("article_id", HOSTILE_IDS, ids=repr)
def test_hostile_article_ids_are_refused(sandbox, article_id):
    writer, outside = sandbox
    item = sample_item("1", title=HOSTILE_TEXT["parent"]) | {"article_id": article_id}
    with pytest.raises(ArchiveError, match="unsafe article id") as refused:
        writer.write(item)
    assert isinstance(refused.value, NewscrawlError)
    assert files_under(outside) == set()


@pytest.mark.parametrize("site", HOSTILE_SITES, ids=repr)
def test_hostile_site_keys_are_refused(sandbox, site):
    writer, outside = sandbox
    with pytest.raises(ArchiveError, match="unsafe site key"):
        writer.write(sample_item("7978772") | {"site": site})
    assert files_under(outside) == set()


@pytest.mark.parametrize("article_id", ["١٢٣", "１２３", "߁"])
def test_non_ascii_digits_are_not_ids(article_id):
    with pytest.raises(ArchiveError):
        document_name({"site": "voachinese", "article_id": article_id})


def test_document_names_are_short_and_plain_whatever_the_title():
    name = document_name(sample_item("7978772", title=HOSTILE_TEXT["long"]))
    assert name == "voanews/7978772.txt"
    assert os.path.normpath(name) == name and not os.path.isabs(name)


def test_an_index_of_hostile_titles_links_inside_the_archive(sandbox):
    writer, outside = sandbox
    writer.write_all([sample_item("1", title=HOSTILE_TEXT["parent"]), sample_item("2", title="[x](/etc/passwd)")])
    index = (writer.root / "index.md").read_text(encoding="utf-8")
    assert "(voanews/1.txt)" in index and "(voanews/2.txt)" in index
    assert "- [\\[x\\](/etc/passwd)](voanews/2.txt)" in index  # the title's brackets are escaped
    assert files_under(outside) == {"archive/index.md", "archive/voanews/1.txt", "archive/voanews/2.txt"}


def hostile_title_item() -> dict:
    """An article whose headline shows markup as text, as a story about XSS would."""
    html = """<html lang="en"><body class="pg-article">
<h1 class="pg-title">&lt;img src=x onerror=alert(1)&gt; x](javascript:alert(1)) [y</h1>
<time pubdate="pubdate" datetime="2025-02-18T15:27:23+08:00">Feb 18</time>
<div id="article-content"><div class="wsw"><p>Text.</p></div></div></body></html>"""
    page = PangeaArticle(html, "https://www.voanews.com/a/story/7978772.html")
    return dict(load_article(page, get_site("voanews"), FETCHED_AT))


def test_a_headline_showing_markup_is_extracted_as_text():
    assert hostile_title_item()["title"] == "<img src=x onerror=alert(1)> x](javascript:alert(1)) [y"


def test_titles_cannot_inject_markup_into_documents():
    item = hostile_title_item()
    title_line = render_document(item).split("\n")[1]
    assert not unsafe_parts(title_line)
    assert len(re.findall(r"(?<!\\)\]\(", title_line)) == 1  # one link: the title's brackets are escaped
    assert parse_document(render_document(item)).title == item["title"]  # still read back verbatim


def test_titles_cannot_inject_markup_into_the_index(sandbox):
    writer, _ = sandbox
    writer.write_all([sample_item("1", title=hostile_title_item()["title"])])
    assert not unsafe_parts((writer.root / "index.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.voanews.com/a/..%2F..%2Fetc%2Fpasswd/7978772.html", "/a/../../../etc/passwd"),
        ("https://www.voanews.com/a/%00%0a%1b/7978772.html", "javascript:alert(1)//7978772.html"),
        (f"https://www.voanews.com/a/{'x' * 5000}/7978772.html", "https://www.voanews.com/a/\x00/../7978772.html"),
    ],
    ids=["dot-dot", "controls", "long"],
)
def test_pages_with_hostile_slugs_are_archived_by_their_id(sandbox, url, canonical):
    writer, outside = sandbox
    html = f"""<html lang="en"><head><link rel="canonical" href="{canonical}"></head><body class="pg-article">
<h1 class="pg-title">../../{HOSTILE_TEXT["controls"]}</h1>
<time pubdate="pubdate" datetime="2025-02-18T15:27:23+08:00">Feb 18</time>
<div id="article-content"><div class="wsw"><p>Text.</p></div></div></body></html>"""
    item = dict(load_article(PangeaArticle(html, url), get_site("voanews"), FETCHED_AT))
    assert item["article_id"] == "7978772"
    assert writer.write(item) == writer.root / "voanews" / "7978772.txt"
    assert files_under(outside) == {"archive/voanews/7978772.txt"}
