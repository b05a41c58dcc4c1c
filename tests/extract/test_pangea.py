"""The Pangea page extractor and the article loader, on hand-written pages.

Every page in tests/fixtures/pages has its expected result beside it (``*.expected.json``,
rewritten by ``python tests/fixtures/regenerate.py`` after a deliberate change).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newscrawl.errors import ExtractionError
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.loaders import load_article
from newscrawl.sites import get_site
from tests.fixtures.regenerate import PAGES, expected_path, extract

FETCHED_AT = datetime(2025, 3, 1, tzinfo=timezone.utc)
ARTICLE_URL = "https://www.voachinese.com/a/some-story-20250218/7978772.html"
VOACHINESE = get_site("voachinese")


@pytest.mark.parametrize("page", sorted(PAGES.glob("*.html")), ids=lambda p: p.stem)
def test_page_gives_expected_item(page: Path):
    expected = json.loads(expected_path(page).read_text(encoding="utf-8"))
    assert extract(page, expected["input"]) == expected["output"]


PUBLISHED = '<time pubdate="pubdate" datetime="2025-02-18T15:27:23+08:00">2025年2月18日 15:27</time>'


def article(body: str = "<p>正文。</p>", head: str = "", body_class: str = "pg-article", cover: str = "",
            published: str = PUBLISHED) -> str:
    """A minimal article page around the given pieces."""
    return f"""<html lang="zh-Hans"><head>{head}</head><body class="{body_class}">
<h1 class="title pg-title">标题</h1>{published}
<div class="cover-media">{cover}</div>
<div id="article-content"><div class="wsw">{body}</div></div></body></html>"""


def load(html: str | bytes, feed_published_at: datetime | None = None, url: str = ARTICLE_URL):
    return load_article(PangeaArticle(html, url, VOACHINESE.language), VOACHINESE, FETCHED_AT, feed_published_at)


VIDEO_PLAYER = '<div class="c-mmp"><div class="c-mmp__player"><video src="https://v.example/a.mp4"></video></div></div>'
AUDIO_PLAYER = '<div class="c-mmp"><div class="c-mmp__player"><audio src="/a.mp3"></audio></div></div>'


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        (article(), "article"),
        (article(head='<script type="application/ld+json">{"@type":"VideoObject","name":"x"}</script>'), "video"),
        (article(head='<script type="application/ld+json">{"@type":"LiveBlogPosting"}</script>'), "live"),
        (article(head='<meta property="og:type" content="video.other">'), "video"),
        (article(body_class="pg-audio"), "audio"),
        (article(body_class="pg-gallery"), "gallery"),
        (article(body_class="pg-media", cover=AUDIO_PLAYER), "audio"),
        (article(body="", body_class="", cover=VIDEO_PLAYER), "video"),
        (article(body_class="", cover=VIDEO_PLAYER), "article"),  # a story led by a video is a story
        (article(body='<div class="liveblog"><p>更新</p></div>', body_class=""), "live"),
    ],
)
def test_kind_signals(html: str, kind: str):
    assert PangeaArticle(html, ARTICLE_URL).kind() == kind


def test_media_only_for_video_and_audio_pages():
    assert load(article(body="", body_class="pg-media", cover=AUDIO_PLAYER))["media"] == [
        {"url": "https://www.voachinese.com/a.mp3", "type": "audio"}
    ]
    assert load(article(cover=VIDEO_PLAYER))["media"] == []


@pytest.mark.parametrize(
    "html",
    ["", "   ", "\x00\x01", "<html", "<p>\ud800</p>", "<?xml version='1.0' encoding='utf-8'?><html></html>",
     b"\xff\xfe\x00<", article(head='<script type="application/ld+json">{"author": 3, "headline": ["x"]}</script>'),
     article(head='<link rel="canonical" href="http://[broken/a/1.html"><meta property="og:image" content="http://[x">',
             body='<p><a href="http://[y">链接</a></p>', cover='<figure><img src="http://[z"></figure>'),
     "[" * 100_000, '<script type="application/ld+json">' + "[" * 100_000 + "</script>",
     article(published='<time pubdate="pubdate" datetime="9999-12-31T23:59:59-23:59">x</time>'),
     article(head='<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"0001-01-01T00:00+01:00"}'
                  "</script>")],
)
def test_bad_input_gives_fields_or_extraction_error(html: str | bytes):
    PangeaArticle(html, ARTICLE_URL).fields()
    try:
        load(html)
    except ExtractionError:
        pass


@pytest.mark.parametrize(
    ("html", "url", "reason"),
    [
        (article(), "https://www.voachinese.com/z/1739", "not an article page"),
        ("<html><body><p>请启用JavaScript</p></body></html>", ARTICLE_URL, "not an article page"),
        (article().replace("标题", ""), ARTICLE_URL, "no title"),
        (article(body="<p>&nbsp;</p>"), ARTICLE_URL, "no body text"),
        (article(published=""), ARTICLE_URL, "no publication date"),
    ],
)
def test_pages_that_make_no_item_say_why(html: str, url: str, reason: str):
    with pytest.raises(ExtractionError, match=reason):
        load(html, url=url)


def test_media_pages_without_text_are_items():
    image = "https://gdb.voanews.com/11111111-2222-3333-4444-555555555555"
    og_image = f'<meta property="og:image" content="{image}_w250_r1.jpg">'
    item = load(article(body="", body_class="pg-video", head=og_image))
    assert (item["kind"], item["body"], item["body_text"]) == ("video", [], "")
    assert item["images"] == [{"url": f"{image}.jpg", "caption": "", "is_cover": True}]


def test_published_at_prefers_page_then_feed_then_printed_date():
    feed = datetime(2025, 2, 18, 8, 0, tzinfo=timezone.utc)
    json_ld = (
        '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2025-02-18 07:00:00Z"}</script>'
    )
    printed = '<div class="published"><span class="date">2025年2月18日 16:00</span></div>'
    assert load(article(head=json_ld), feed)["published_at"] == "2025-02-18T07:00:00Z"
    assert load(article(), feed)["published_at"] == "2025-02-18T07:27:23Z"
    assert load(article(published=printed), feed)["published_at"] == "2025-02-18T08:00:00Z"
    assert load(article(published=printed))["published_at"] == "2025-02-18T16:00:00Z"


def test_page_in_another_encoding_is_read_from_its_bytes():
    html = article(head='<meta charset="gbk">', body="<p>美国国务院，和谈。</p>").encode("gbk")
    item = load(html)
    assert item["body_text"] == "美国国务院，和谈。"


def test_control_characters_are_dropped_before_parsing():
    """libxml2 keeps them, then lxml refuses to write them back into the tree (links made
    absolute, text joined around a dropped embed)."""
    body = '<p>第一\x01段<a href="/a/\x02x/1.html">链\x00接</a>，<span class="wsw__embed">x</span>\x03完。</p>'
    block = load(article(body=body))["body"][0]
    assert block["text"] == "第一段链接，完。"
    assert block["html"] == '第一段<a href="https://www.voachinese.com/a/x/1.html">链接</a>，完。'


def test_dates_past_the_range_of_datetime_are_no_dates():
    too_late = '<time pubdate="pubdate" datetime="9999-12-31T23:59:59-23:59">2025年2月18日 15:27</time>'
    assert load(article(published=too_late))["published_at"] == "2025-02-18T15:27:00Z"  # the printed date


def test_fields_are_the_same_when_asked_twice():
    page = PangeaArticle((PAGES / "zh_article.html").read_text(encoding="utf-8"), ARTICLE_URL)
    assert page.fields() == page.fields()
