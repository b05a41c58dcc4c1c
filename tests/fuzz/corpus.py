"""Seed inputs for the fuzz tests and the hypothesis strategies that mutate them.

The seeds are what a crawl really meets: the pages, feeds and sitemaps of a small replica
site, rendered by the replica's own routes (no server), plus the hand-written page fixtures.
A mutated input is a seed with one to four edits applied in turn (:data:`EDITS`,
:func:`apply`): byte flips, truncations, tags deleted or duplicated, dates replaced by extreme
ones, and insertions of NULs, control characters, invalid UTF-8, huge attributes, deeply
nested tags, hostile JSON-LD and XML declarations.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache

from hypothesis import strategies as st

from newscrawl.replica import ReplicaSite
from newscrawl.replica.server import Replica
from tests.fixtures.regenerate import PAGES

REPLICA_SIZE = 10
_TAG = re.compile(rb"<[^<>]{0,300}>")
_DATE = re.compile(rb"\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?|\w{3}, \d\d \w{3} \d{4} [\d:]+ [+-]\d{4}")
# Where insertions matter most: the head, the article's text, the items of feeds and sitemaps.
_ANCHOR = re.compile(
    rb"<head[^>]*>|<body[^>]*>|</h1>|<div class=\"wsw\">|<p>|<time "
    rb"|<channel>|<item>|<link>|<pubDate>|<url>|<loc>|<lastmod>"
)


@cache
def _replica() -> Replica:
    return Replica(ReplicaSite(size=REPLICA_SIZE))


def _get(path: str) -> bytes:
    reply = _replica().respond(path)
    assert reply.status == 200, (path, reply.status)
    return gzip.decompress(reply.body) if reply.content_type == "application/x-gzip" else reply.body


@cache
def article_pages() -> dict[str, tuple[str, bytes]]:
    """(URL, HTML) by name of every replica article (each variant the generator makes, an
    AMP copy included) and of every page fixture."""
    replica = _replica()
    site = replica.site.site
    pages = {}
    for ident in replica.site.article_ids():
        pages[f"replica {ident} {replica.site.entry(ident).kind}"] = (
            site.url(replica.site.entry(ident).path), replica.render_article(ident, False)
        )
    first = replica.site.article_ids()[0]
    pages[f"replica {first} amp"] = (site.url(replica.site.entry(first).amp_path), replica.render_article(first, True))
    for fixture in sorted(PAGES.glob("*.html")):
        given = json.loads(fixture.with_name(fixture.stem + ".expected.json").read_text(encoding="utf-8"))["input"]
        pages[f"fixture {fixture.stem}"] = (given["url"], fixture.read_bytes())
    return pages


@cache
def html_pages() -> dict[str, tuple[str, bytes]]:
    """(URL, HTML) by path of the replica's pages that lead to articles: home, a listing."""
    replica = _replica()
    paths = ("/", next(iter(replica.site.sections)))
    return {path: (replica.site.site.url(path), _get(path)) for path in paths}


@cache
def xml_sources() -> dict[str, bytes]:
    """Every kind of feed and sitemap of the replica by path (the gzip sitemap decompressed)."""
    site = _replica().site.site
    return {path: _get(path) for path in (*site.feeds[:2], "/sitemap.xml", "/sitemap_1.xml.gz", "/sitemap_news.xml")}


# --- Mutations -----------------------------------------------------------------------------

_CONTROL = st.sampled_from([b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x1b", b"\x1f", b"\x7f", b"\r"])
_INVALID_UTF8 = st.sampled_from(
    [b"\xff", b"\xfe\xff", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80"]
)
_MARKUP = st.sampled_from(
    [
        b"<", b">", b"&", b'"', b"'", b"</div>", b"<p>", b"</p>", b"<br>", b"<!--", b"-->", b"<![CDATA[", b"]]>",
        b"<?xml version='1.0'?>", b"<script>", b"</script>", b"<table>", b"<li>", b"</html>", b"<body>",
        b"&#0;", b"&#xD800;", b"&#1114112;", b"&#x7f;", b"&nbsp", b"&amp;lt;", b"\xef\xbb\xbf", b"\xe3\x80\x80",
        b'<div class="wsw">', b'<div id="article-content">', b'<figure><img src="//gdb.voanews.com/x.jpg">',
        b'<meta charset="gbk">', b'<meta http-equiv="Content-Type" content="text/html; charset=big5">',
        b'<link rel="canonical" href="http://[broken/a/1.html">', b'<a href="http://[broken/a/1.html">x</a>',
        b'<a href="javascript:alert(1)">x</a>', b'<a href="?p=' + b"9" * 5000 + b'">more</a>',
        b'<time pubdate datetime="9999-12-31T23:59:59-23:59">', b"<pubDate>Fri, 31 Dec 9999 23:59:59 -2359</pubDate>",
        b"<lastmod>0001-01-01T00:00:00+23:59</lastmod>", b"<item><link>", b"</item>", b"<url><loc>", b"</loc></url>",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;", b"<x:y>", b"<feed>", b"<rss>",
    ]
)
_DATES = st.sampled_from(
    ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "Fri, 31 Dec 9999 23:59:59 -2359", "2025-02-30",
     "99999-01-01", "2025年13月40日", "-1", "1e309", "", "T", "2025-02-18T25:61:61Z", "0" * 5000]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | _DATES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
_LD_KEYS = ["@type", "@graph", "headline", "name", "author", "datePublished", "dateModified", "uploadDate",
            "keywords", "inLanguage", "articleSection", "description", "contentUrl"]
_LD_TYPES = st.sampled_from(["NewsArticle", "VideoObject", "AudioObject", "ImageGallery", "LiveBlogPosting"])


@st.composite
def _json_ld(draw: st.DrawFn) -> bytes:
    """A JSON-LD script whose article object holds values of every wrong type."""
    data = draw(st.dictionaries(st.sampled_from(_LD_KEYS), _JSON, max_size=6))
    data.setdefault("@type", draw(_LD_TYPES | st.lists(_LD_TYPES, max_size=2)))
    text = json.dumps(data, allow_nan=True) if draw(st.booleans()) else "[" * draw(st.integers(1, 100_000))
    return b'<script type="application/ld+json">' + text.encode() + b"</script>"


_HUGE_ATTRIBUTE = st.builds(
    lambda name, size: b"<a " + name + b'="' + b"x" * size + b'">y</a>',
    st.sampled_from([b"href", b"class", b"id", b"datetime", b"content"]),
    st.integers(1_000, 2_000_000),
)
_NESTED = st.builds(
    lambda tag, depth, close: (b"<" + tag + b">") * depth + (b"</" + tag + b">") * (depth * close),
    st.sampled_from([b"div", b"p", b"b", b"span", b"ul", b"table", b"item", b"url"]),
    st.integers(1, 20_000),
    st.integers(0, 1),
)
_TEXT = st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass"))
CHUNKS = st.one_of(
    _CONTROL, _INVALID_UTF8, _MARKUP, _TEXT, st.binary(max_size=40), _DATES.map(str.encode),
    _HUGE_ATTRIBUTE, _NESTED, _json_ld(),
)

_POSITION = st.integers(min_value=0, max_value=2**32)


def _flip(data: bytes, position: int, bit: int) -> bytes:
    if not data:
        return data
    i = position % len(data)
    return data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1 :]


def _truncate(data: bytes, position: int) -> bytes:
    return data[: position % (len(data) + 1)]


def _insert(data: bytes, position: int, chunk: bytes) -> bytes:
    i = position % (len(data) + 1)
    return data[:i] + chunk + data[i:]


def _insert_after_anchor(data: bytes, position: int, chunk: bytes) -> bytes:
    anchors = list(_ANCHOR.finditer(data))
    return _insert(data, anchors[position % len(anchors)].end(), chunk) if anchors else data


def _date_edit(data: bytes, position: int, date: bytes) -> bytes:
    """The date at ``position`` (JSON-LD, ``<time>``, pubDate, lastmod) replaced by ``date``."""
    dates = list(_DATE.finditer(data))
    if not dates:
        return data
    found = dates[position % len(dates)]
    return data[: found.start()] + date + data[found.end() :]


def _tag_edit(data: bytes, position: int, times: int) -> bytes:
    """The tag at ``position`` deleted (``times`` 0) or repeated ``times`` times."""
    tags = list(_TAG.finditer(data))
    if not tags:
        return data
    tag = tags[position % len(tags)]
    return data[: tag.start()] + tag[0] * times + data[tag.end() :]


def _span_edit(data: bytes, start: int, length: int, times: int) -> bytes:
    """A run of bytes deleted (``times`` 0) or repeated: whole elements go or come twice."""
    if not data:
        return data
    i = start % len(data)
    span = data[i : i + length]
    return data[:i] + span * times + data[i + length :]


MUTATIONS = st.one_of(
    st.builds(lambda p, b: lambda d: _flip(d, p, b), _POSITION, st.integers(0, 7)),
    st.builds(lambda p: lambda d: _truncate(d, p), _POSITION),
    st.builds(lambda p, c: lambda d: _insert(d, p, c), _POSITION, CHUNKS),
    st.builds(lambda p, c: lambda d: _insert_after_anchor(d, p, c), _POSITION, CHUNKS),
    st.builds(lambda p, t: lambda d: _tag_edit(d, p, t), _POSITION, st.integers(0, 3)),
    st.builds(lambda p, t: lambda d: _date_edit(d, p, t), _POSITION, _DATES.map(str.encode) | _TEXT),
    st.builds(lambda p, n, t: lambda d: _span_edit(d, p, n, t), _POSITION, st.integers(1, 4_000), st.integers(0, 3)),
)


EDITS = st.lists(MUTATIONS, min_size=1, max_size=4)


def apply(data: bytes, edits: list) -> bytes:
    """``data`` with each of ``edits`` (drawn from :data:`EDITS`) applied in turn."""
    for edit in edits:
        data = edit(data)
    return data
