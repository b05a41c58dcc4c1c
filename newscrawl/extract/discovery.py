"""Understanding the pages that lead to articles: robots.txt, RSS/Atom feeds, sitemaps, section
listings, home pages and feed directories (``/rssfeeds``).

Bytes or HTML in, links out: no network, no reactor. The crawl policy (which links to follow)
lives in the spider; this module only reads what a source says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import lxml.etree
from parsel import Selector
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from newscrawl.errors import NewscrawlError
from newscrawl.processors import absolute_url, parse_visible_date
from newscrawl.urls import article_id

FEED = "feed"
SITEMAP_INDEX = "sitemapindex"
SITEMAP = "urlset"
HTML = "html"
LISTING = "listing"  # a section listing, home page or article page, as a source of links
ROBOTS = "robots"

_XML_PARSER = lxml.etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)
_STRICT_XML_PARSER = lxml.etree.XMLParser(
    recover=False, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
)
_ROOT_TAG = re.compile(rb"<(?:[\w-]+:)?(rss|feed|urlset|sitemapindex|rdf:RDF|html)\b", re.I)
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_FEED_PATH = re.compile(r"^/api/[\w$-]*$")  # Pangea's RSS feeds: /api/, /api/zmpqyeq_qm
# What an href needs to resolve to an article URL, a path ending in <id>.html, tested before
# resolving it: most links of a page (navigation, share links) are not to articles, and
# resolving is the costly part.
_ARTICLE_HREF = re.compile(r"^[^?#]*\d\.html(?:[?#]|\s*$)")
_PAGE_PARAM = re.compile(r"[?&]p=(\d{1,9})(?!\d)")  # longer numbers are no page (int() refuses 4,300 digits)


class SourceError(NewscrawlError):
    """A feed or sitemap could not be read (the message says why)."""


@dataclass(frozen=True)
class Link:
    url: str
    date: datetime | None = None  # when the source tells it: pubDate, lastmod, listing date


@dataclass(frozen=True)
class Listing:
    articles: list[Link]
    next_page: str | None
    sections: list[str]
    feeds: list[str]


def source_kind(body: bytes) -> str:
    """What a (decompressed) response body is: FEED, SITEMAP_INDEX, SITEMAP or HTML.

    >>> source_kind(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
    'feed'
    >>> source_kind(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    'sitemapindex'
    >>> source_kind(b'<!DOCTYPE html><html lang="zh-Hans">')
    'html'
    """
    match = _ROOT_TAG.search(body[:4096])
    tag = match[1].decode().lower() if match else "html"
    return {"rss": FEED, "feed": FEED, "rdf:rdf": FEED}.get(tag, tag)


def is_robots_txt(url: str) -> bool:
    """
    >>> is_robots_txt("https://www.svoboda.org/robots.txt"), is_robots_txt("https://www.svoboda.org/a/1.html")
    (True, False)
    """
    return urlsplit(url).path == "/robots.txt"


def robots_sitemaps(body: bytes, url: str) -> list[str]:
    """The absolute URLs of a robots.txt's ``Sitemap:`` lines.

    >>> robots_sitemaps(b"User-agent: *\\nDisallow: /s/\\nSitemap: /sitemap.xml\\nsitemap: https://x.org/n.xml", "https://x.org/robots.txt")
    ['https://x.org/sitemap.xml', 'https://x.org/n.xml']
    """
    return _absolute_urls(url, list(sitemap_urls_from_robots(body)))


def is_feed_url(url: str) -> bool:
    """Whether a link is one of a Pangea site's RSS feeds (``/api/...``), as feed directories
    and footers link them.

    >>> is_feed_url("https://www.svoboda.org/api/zrqiteuuir"), is_feed_url("https://www.svoboda.org/api/x/y")
    (True, False)
    """
    return bool(_FEED_PATH.match(urlsplit(url).path))


def parse_date(text: str | None) -> datetime | None:
    """An aware UTC datetime from a feed or sitemap date (RFC 822, ISO 8601, or a date).

    >>> parse_date("Tue, 18 Feb 2025 07:27:23 +0000").isoformat()
    '2025-02-18T07:27:23+00:00'
    >>> parse_date("2025-02-18T15:27:23+08:00").isoformat()
    '2025-02-18T07:27:23+00:00'
    >>> parse_date("2025-02-18").isoformat()
    '2025-02-18T00:00:00+00:00'
    >>> parse_date("2025年2月18日").isoformat()
    '2025-02-18T00:00:00+00:00'
    >>> parse_date("someday") is None
    True
    >>> parse_date("9999-12-31T23:59:59-23:59") is None  # past the year 9999 in UTC
    True
    """
    text = (text or "").strip()
    if not text:
        return None
    for parse in (_parse_iso, parsedate_to_datetime, _parse_chinese_date):
        try:
            value = parse(text)
            if value is not None:
                return _as_utc(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)


def _parse_chinese_date(text: str) -> datetime | None:
    match = _CHINESE_DATE.search(text)
    return datetime(*map(int, match.groups())) if match else None


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def xml_damage(body: bytes) -> str | None:
    """What is wrong with a feed or sitemap that the recovering parsers read anyway (a cut or
    mismatched tag), or None when it is well-formed.

    >>> xml_damage(b"<rss><channel><item><link>x</link></item></channel></rss>") is None
    True
    >>> xml_damage(b"<rss><channel><item><link>x</link>")
    'Premature end of data in tag item line 1, line 1, column 35 (<string>, line 1)'
    """
    try:
        lxml.etree.fromstring(body, parser=_STRICT_XML_PARSER)
    except lxml.etree.XMLSyntaxError as exc:
        return str(exc)
    return None


def feed_links(body: bytes) -> list[Link]:
    """The item links of an RSS 2.0, RSS 1.0 or Atom feed, with their publication dates."""
    try:
        root = lxml.etree.fromstring(_without_surrogate_references(body), parser=_XML_PARSER)
    except lxml.etree.XMLSyntaxError as exc:
        raise SourceError(f"unreadable feed: {exc}") from exc
    if root is None:
        raise SourceError("unreadable feed: no XML element")
    return [link for entry in _feed_entries(root) if (link := _feed_link(entry))]


def _without_surrogate_references(body: bytes) -> bytes:
    """``&#xD800;`` to ``&#xDFFF;`` written as U+FFFD. libxml2's recovering parser keeps such a
    reference as bytes that are not UTF-8, and lxml then raises on reading the element.

    >>> _without_surrogate_references(b"<loc>a&#xD800;b&#55296;c&#x4E2D;</loc>")
    b'<loc>a&#xFFFD;b&#xFFFD;c&#x4E2D;</loc>'
    """
    if b"&#" not in body:
        return body
    return _CHARACTER_REFERENCE.sub(_surrogate_as_replacement, body)


def _surrogate_as_replacement(reference: re.Match) -> bytes:
    code = int(reference[1], 16) if reference[1] else int(reference[2])
    return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF else reference[0]


def _feed_entries(root: lxml.etree._Element) -> Iterator[lxml.etree._Element]:
    for element in root.iter():
        if _local_name(element) in ("item", "entry"):
            yield element


def _local_name(element: lxml.etree._Element) -> str:
    """The tag without its namespace; "" for comments and entities. Not ``QName``: it raises on
    the odd tags recovered from broken XML (``<news:>``)."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def _feed_link(entry: lxml.etree._Element) -> Link | None:
    children = {_local_name(c): c for c in entry}
    link = children.get("link")
    url = (link.get("href") or link.text or "").strip() if link is not None else ""
    if not url and "guid" in children:
        url = (children["guid"].text or "").strip()
    if not url:
        return None
    date_element = next(
        (children[k] for k in ("pubDate", "published", "updated", "date") if k in children), None
    )
    return Link(url, parse_date(date_element.text if date_element is not None else None))


def sitemap_links(body: bytes) -> tuple[str, list[Link]]:
    """The kind of sitemap (SITEMAP_INDEX or SITEMAP) and its locations with their lastmod."""
    try:
        sitemap = Sitemap(_without_surrogate_references(body))
        links = [Link(entry["loc"], parse_date(entry.get("lastmod"))) for entry in sitemap]
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        raise SourceError(f"unreadable sitemap: {exc!r}") from exc
    if sitemap.type not in (SITEMAP_INDEX, SITEMAP):
        raise SourceError(f"not a sitemap: root element <{sitemap.type}>")
    return sitemap.type, links


def listing(selector: Selector, page_url: str, language: str | None = None) -> Listing:
    """Links of a section listing, home page or feed directory: articles (with their listed
    date, printed in the site's ``language``), the "load more" page, other sections
    (navigation) and feeds, advertised in the head (``<link rel="alternate">``) or linked
    (``/api/...``)."""
    articles: dict[str, Link] = {}
    for anchor in selector.css("a[href]"):
        # Not anchor.attrib: it reads every attribute, and lxml raises on a control character
        # in any attribute's name.
        url = _possible_article_url(page_url, anchor.root.get("href"))
        if article_id(url) and url not in articles:
            articles[url] = Link(url, _listed_date(anchor, language))
    hrefs = _absolute_urls(page_url, selector.css("a::attr(href)").getall())
    advertised = _absolute_urls(page_url, selector.css('link[rel=alternate][type*="xml"]::attr(href)').getall())
    return Listing(
        articles=list(articles.values()),
        next_page=_next_page(hrefs, page_url) or _load_more_endpoint(selector, page_url),
        sections=sorted({h.split("?")[0] for h in hrefs if "/z/" in h}),
        feeds=list(dict.fromkeys([*advertised, *filter(is_feed_url, hrefs)])),
    )


def article_links(root: lxml.etree._Element, page_url: str) -> list[Link]:
    """Every article link of a page (related blocks, promos), each once, in page order; the
    lean pass for article pages, which need no dates, sections or feeds.

    >>> import lxml.html
    >>> page = lxml.html.fromstring('<p><a href="/a/x/1.html">1</a><a href="/z/2">2</a><a href="/a/1.html">1</a></p>')
    >>> [link.url for link in article_links(page, "https://www.voachinese.com/a/y/3.html")]
    ['https://www.voachinese.com/a/x/1.html', 'https://www.voachinese.com/a/1.html']
    """
    found: dict[str, Link] = {}
    for anchor in root.iter("a"):
        url = _possible_article_url(page_url, anchor.get("href") or "")
        if url and url not in found and article_id(url):
            found[url] = Link(url)
    return list(found.values())


def _possible_article_url(page_url: str, href: str) -> str:
    """``href`` resolved, if it can name an article; else "" (without resolving it)."""
    return absolute_url(page_url, href) if _ARTICLE_HREF.search(href) else ""


def _absolute_urls(page_url: str, links: list[str]) -> list[str]:
    return [url for url in (absolute_url(page_url, link) for link in links) if url]


def _listed_date(anchor: Selector, language: str | None) -> datetime | None:
    container = anchor.xpath("ancestor::*[contains(@class, 'media-block')][1]")
    printed = container.css(".date::text").get() if container else None
    return parse_date(printed) or parse_date(parse_visible_date(printed, language))


def _load_more_endpoint(selector: Selector, page_url: str) -> str | None:
    """Where a script-driven "load more" button fetches the listing's next teasers (an HTML
    fragment, itself a listing with the next button): read directly, without a browser."""
    endpoint = selector.css("[data-more-url]::attr(data-more-url)").get()
    return absolute_url(page_url, endpoint) if endpoint else None


def _next_page(hrefs: list[str], page_url: str) -> str | None:
    """The "load more" link: the same listing one page further (?p=N+1)."""
    current = _PAGE_PARAM.search(page_url)
    wanted = int(current[1]) + 1 if current else 1
    base = page_url.split("?")[0]
    for href in hrefs:
        page = _PAGE_PARAM.search(href)
        if page and int(page[1]) == wanted and href.split("?")[0] == base:
            return href
    return None
