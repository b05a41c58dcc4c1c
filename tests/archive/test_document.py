"""Reading archived documents in the mirror format (the seed document is the real example)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newscrawl.archive.document import DocumentError, parse_document
from newscrawl.errors import NewscrawlError
from tests.crawling import SEED_DOCUMENT


@pytest.fixture(scope="module")
def seed():
    return parse_document(SEED_DOCUMENT.read_text(encoding="utf-8"))


def test_seed_document_header(seed):
    assert seed.fetched_at == datetime(2025, 2, 18, 7, 39, 2, tzinfo=timezone.utc)
    assert seed.published_at == datetime(2025, 2, 18, 7, 27, 23, tzinfo=timezone.utc)
    assert seed.title == "美俄会谈在即 美国务院：真正的和谈在乌克兰参与下才会进行"
    assert seed.url.endswith("/a/us-official-actual-peace-talks-only-possible-with-ukraine-s-involvement-20250218/7978772.html")


def test_seed_document_cover_and_blocks(seed):
    assert seed.cover_url == "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w900.jpg"
    assert seed.cover_caption.endswith("(2025年2月17日)")
    assert len(seed.blocks) == 23
    assert seed.blocks[-1] == "<em>(本文依据了美联社、法新社、路透社的报道)</em>"
    assert all(block.strip() for block in seed.blocks)


GOOD_HEAD = "<!--1739864342000-->\n[标题](https://www.voachinese.com/a/x/1.html)\n------\n\n"
GOOD_HTML = "<div><i>Tue, 18 Feb 2025 07:27:23 GMT</i></div><p>一段。</p>\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least 5 lines"),
        ("<!--soon-->\n" + GOOD_HEAD.split("\n", 1)[1] + GOOD_HTML, "line 1"),
        (GOOD_HEAD.replace("[标题]", "标题") + GOOD_HTML, "line 2"),
        (GOOD_HEAD.replace("------", "======") + GOOD_HTML, "line 3"),
        (GOOD_HEAD + "<p>一段。</p>\n", "publication date"),
        (GOOD_HEAD + GOOD_HTML.replace("GMT", "nowhere").replace("Tue, 18 Feb", "someday"), "unreadable publication date"),
        (GOOD_HEAD + "<div><i>Tue, 18 Feb 2025 07:27:23 GMT</i></div>\n", "no <p> body block"),
        (GOOD_HEAD + GOOD_HTML + "<p>again</p>\n", "one line"),
    ],
)
def test_malformed_documents_are_refused_with_the_reason(text, message):
    with pytest.raises(DocumentError, match=message) as error:
        parse_document(text)
    assert isinstance(error.value, NewscrawlError)
