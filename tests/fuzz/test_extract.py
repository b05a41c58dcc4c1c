"""Fuzzing the article extractor and loader with mutated replica pages: whatever the bytes,
``PangeaArticle`` tells its fields without raising, and ``load_article`` gives a clean item
(safe HTML, ISO dates, no control characters) or an
:class:`~newscrawl.errors.ExtractionError` saying why not.

``HYPOTHESIS_PROFILE=explore python3 -m pytest tests/fuzz`` searches with new random inputs and
many more examples (see tests/conftest.py)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from newscrawl import processors
from newscrawl.archive.document import render_document
from newscrawl.errors import ExtractionError
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.loaders import load_article
from newscrawl.sites import get_site
from tests.fuzz.corpus import EDITS, apply, article_pages
from tests.security.unsafe import assert_safe_html

FETCHED_AT = datetime(2025, 3, 1, tzinfo=timezone.utc)
VOACHINESE = get_site("voachinese")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@given(page=st.sampled_from(sorted(article_pages())), edits=EDITS, decoded=st.booleans())
def test_mutated_article_pages_never_crash(page, edits, decoded):
    url, html = article_pages()[page]
    data = apply(html, edits)
    # The spider hands over Scrapy's decoded text; the extractor also takes raw bytes.
    article = PangeaArticle(HtmlResponse(url, body=data).text if decoded else data, url)
    fields = article.fields()
    article.visible_published_at()
    for block in fields["body"]:
        assert_safe_html(block["html"])
    try:
        item = load_article(article, VOACHINESE, FETCHED_AT)
    except ExtractionError as error:
        assert not str(error).startswith("unreadable page"), error
        return
    assert item["article_id"].isdigit()
    assert ISO_UTC.fullmatch(item["published_at"])
    assert item["title"] and not CONTROL.search(item["title"] + item["body_text"] + item["summary"])
    assert_safe_html(render_document(dict(item)).split("\n")[4])


PRINTED_DATES = st.text(max_size=60) | st.builds(
    "{}年{}月{}日 {}:{}".format, *[st.integers(0, 10**12)] * 5
) | st.builds("{} days ago".format, st.integers(0, 10**20)) | st.builds(
    "{} خرداد {} ساعت {}:{}".format, *[st.integers(0, 10**6)] * 4
)


@given(text=PRINTED_DATES, language=st.sampled_from([None, "zh-Hans", "zh-Hant", "en", "xx-Unknown", "", "fa", "prs", "ps", "th", "bo", "tk"]))
def test_any_printed_date_is_read_or_none(text, language):
    date = processors.parse_visible_date(text, language)
    assert date is None or ISO_UTC.fullmatch(date)
