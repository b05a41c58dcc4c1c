"""Reading feeds, sitemaps and listings: the broken inputs the fuzz tests (tests/fuzz) found,
each pinned down."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.extract import discovery
from newscrawl.extract.discovery import Link, SourceError

LISTING_URL = "https://www.voachinese.com/z/1739"
ARTICLE = "https://www.voachinese.com/a/story/7900002.html"


def listing(anchors: str) -> discovery.Listing:
    html = f'<html><body><a href="{ARTICLE}">好</a>{anchors}<a href="/z/1739?p=1">更多</a></body></html>'
    return discovery.listing(HtmlResponse(LISTING_URL, body=html.encode()).selector, LISTING_URL)


@pytest.mark.parametrize(
    "anchors",
    [
        '<a href="http://[broken/a/1.html">坏</a>',  # urljoin raises on an invalid IPv6 host
        f'<a href="?p={"9" * 5000}">更多</a>',  # int() refuses more than 4,300 digits
        '<a x\x01y="1" href="/a/bad/7900001.html">坏</a>',  # lxml raises reading such an attribute name
    ],
    ids=["ipv6-host", "huge-page-number", "control-in-attribute-name"],
)
def test_broken_anchors_leave_the_rest_of_a_listing(anchors):
    found = listing(anchors)
    assert found.articles[0] == Link(ARTICLE)
    assert found.next_page == "https://www.voachinese.com/z/1739?p=1"


def test_the_odd_anchor_is_still_read():
    found = listing('<a x\x01y="1" href="/a/bad/7900001.html">坏</a>')
    assert [link.url for link in found.articles] == [ARTICLE, "https://www.voachinese.com/a/bad/7900001.html"]


def feed(item: bytes) -> bytes:
    return (b"<rss><channel><item><link>" + ARTICLE.encode() + b"</link></item>" + item + b"</channel></rss>")


@pytest.mark.parametrize(
    "item",
    [
        b"<item><link>https://x.org/a/&#xD800;1.html</link></item>",  # libxml2 keeps it as non-UTF-8 bytes
        b"<item><link>https://x.org/a/1.html</link><pubDate>&#55296;</pubDate></item>",
        b"<it&#xDFFF;em><link>https://x.org/a/1.html</link></it&#xDFFF;em>",
        b"<item><news:><link>https://x.org/a/1.html</link></news:></item>",  # lxml's QName raises on "news:"
        b"<item><link>https://x.org/a/1.html</link><pubDate>Fri, 31 Dec 9999 23:59:59 -2359</pubDate></item>",
    ],
    ids=["surrogate-in-text", "surrogate-decimal", "surrogate-in-tag", "empty-local-name", "date-overflow"],
)
def test_broken_feed_items_leave_the_rest_of_the_feed(item):
    links = discovery.feed_links(feed(item))
    assert links[0] == Link(ARTICLE)
    assert all(link.date is None for link in links)


def test_surrogate_references_read_as_replacement_characters():
    (_, second) = discovery.feed_links(feed(b"<item><link>https://x.org/a/&#xD800;1.html</link></item>"))
    assert second.url == "https://x.org/a/\ufffd1.html"


def test_sitemaps_with_surrogate_references_are_read():
    body = f"<urlset><url><loc>{ARTICLE}</loc></url><url><loc>https://x.org/&#xD800;</loc></url></urlset>"
    assert discovery.sitemap_links(body.encode()) == ("urlset", [Link(ARTICLE), Link("https://x.org/\ufffd")])


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00", b"<", b"not xml at all"])
def test_unreadable_sources_are_source_errors(body):
    with pytest.raises(SourceError):
        discovery.feed_links(body)
    with pytest.raises(SourceError):
        discovery.sitemap_links(body)


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "Fri, 31 Dec 9999 23:59:59 -2359"]
)
def test_dates_past_the_range_of_datetime_are_none(text):
    assert discovery.parse_date(text) is None


# --- A site telling its own sources: robots.txt, home page, feed directory ---------------------


@pytest.fixture(scope="module")
def svoboda_replica():
    """The pages of a site whose registry entry lists no feeds, sections or sitemaps."""
    from newscrawl.replica import ReplicaSite
    from newscrawl.replica.server import Replica

    site = ReplicaSite(size=10, seed=2, site="svoboda")
    return site.site, Replica(site)


def page(replica, path: str) -> HtmlResponse:
    return HtmlResponse(replica[0].url(path), body=replica[1].serve(path).body)


def test_robots_txt_names_the_sitemaps(svoboda_replica):
    site, replica = svoboda_replica
    body = replica.serve("/robots.txt").body
    assert discovery.is_robots_txt(site.url("/robots.txt"))
    assert discovery.robots_sitemaps(body, site.url("/robots.txt")) == [site.url("/sitemap.xml")]


def test_the_home_page_leads_to_every_section_and_its_advertised_feeds(svoboda_replica):
    site, replica = svoboda_replica
    found = discovery.listing(page(svoboda_replica, "/").selector, site.url("/"))
    assert found.sections == [site.url(path) for path in site.sections]
    assert set(found.feeds) == {site.url(path) for path in site.feeds}
    assert found.articles


def test_the_feed_directory_lists_every_feed(svoboda_replica):
    site, replica = svoboda_replica
    found = discovery.listing(page(svoboda_replica, "/rssfeeds").selector, site.url("/rssfeeds"))
    assert set(found.feeds) == {site.url(path) for path in site.feeds}


@pytest.mark.parametrize(
    ("url", "is_feed"),
    [("https://www.svoboda.org/api/", True), ("https://www.svoboda.org/api/zrqiteuuir", True),
     ("https://www.svoboda.org/api/z$_mye_i_m", True), ("https://www.svoboda.org/a/1.html", False),
     ("https://www.svoboda.org/api/x/y.html", False)],
)
def test_pangea_feed_links_are_told_by_their_path(url, is_feed):
    assert discovery.is_feed_url(url) is is_feed


@pytest.mark.parametrize(
    ("language", "printed", "day"),
    [("en", "February 18, 2025", "2025-02-18"), ("ru", "18 февраля 2025", "2025-02-18"),
     ("zh-Hans", "2025年2月18日", "2025-02-18"), ("fa", "۳۰ بهمن ۱۴۰۳", "2025-02-18"), ("en", "", None)],
)
def test_listed_dates_are_read_in_the_sites_language(language, printed, day):
    teaser = f'<div class="media-block"><span class="date">{printed}</span><a href="{ARTICLE}">x</a></div>'
    html = f"<html><body>{teaser}</body></html>"
    found = discovery.listing(HtmlResponse(LISTING_URL, body=html.encode()).selector, LISTING_URL, language)
    assert [link.date and link.date.date().isoformat() for link in found.articles] == [day]
