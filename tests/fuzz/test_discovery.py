"""Fuzzing what reads feeds, sitemaps and listings, with mutated replica sources: the kind of
a body is always told, a feed or sitemap gives its links or a
:class:`~newscrawl.extract.discovery.SourceError`, a listing page always gives its links and a
date is read or is None."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from newscrawl.extract import discovery
from newscrawl.extract.discovery import FEED, HTML, SITEMAP, SITEMAP_INDEX, Link, SourceError
from tests.fuzz.corpus import EDITS, apply, html_pages, xml_sources

SOURCES = st.sampled_from(sorted(xml_sources()))
PAGES = st.sampled_from(sorted(html_pages()))


def assert_links(links: list[Link]) -> None:
    for link in links:
        assert isinstance(link.url, str)
        assert link.date is None or link.date.utcoffset() == timedelta(0)


@given(source=SOURCES, page=PAGES, is_page=st.booleans(), edits=EDITS)
def test_the_kind_of_any_body_is_told(source, page, is_page, edits):
    body = html_pages()[page][1] if is_page else xml_sources()[source]
    assert discovery.source_kind(apply(body, edits)) in (FEED, SITEMAP_INDEX, SITEMAP, HTML)


@given(source=SOURCES, edits=EDITS)
def test_mutated_feeds_give_links_or_a_source_error(source, edits):
    try:
        links = discovery.feed_links(apply(xml_sources()[source], edits))
    except SourceError as error:
        assert str(error).startswith("unreadable feed")
        return
    assert_links(links)


@given(source=SOURCES, edits=EDITS)
def test_mutated_sitemaps_give_links_or_a_source_error(source, edits):
    try:
        kind, links = discovery.sitemap_links(apply(xml_sources()[source], edits))
    except SourceError as error:
        assert str(error).startswith(("unreadable sitemap", "not a sitemap"))
        return
    assert kind in (SITEMAP_INDEX, SITEMAP)
    assert_links(links)


@given(page=PAGES, edits=EDITS)
def test_mutated_listings_give_their_links(page, edits):
    url, html = html_pages()[page]
    found = discovery.listing(HtmlResponse(url, body=apply(html, edits)).selector, url)
    assert_links(found.articles)
    assert all(isinstance(u, str) for u in [*found.sections, *found.feeds, found.next_page or ""])


DATE_LIKE = st.builds(
    "{}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}{}".format,
    st.integers(0, 99_999), st.integers(0, 99), st.integers(0, 99), st.sampled_from(["T", " ", ""]),
    st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
    st.sampled_from(["", "Z", "+23:59", "-23:59", "+99:99", ".999999", "+08:00"]),
)


@given(text=st.text() | DATE_LIKE | st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S -2359")))
def test_any_date_is_read_or_none(text):
    date = discovery.parse_date(text)
    assert date is None or (isinstance(date, datetime) and date.utcoffset() == timedelta(0))
