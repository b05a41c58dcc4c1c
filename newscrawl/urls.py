"""URL helpers for Pangea sites: small pure functions, no hidden state.

>>> canonical_url("https://www.voachinese.com/a/some-story-20250218/7978772.html?utm_source=nthlink#top")
'https://www.voachinese.com/a/some-story-20250218/7978772.html'
>>> article_id("https://www.voachinese.com/amp/some-story/7978772.html")
'7978772'
>>> article_id("https://www.voachinese.com/z/1739") is None
True
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import url_query_cleaner

TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_")

_ARTICLE_PATH = re.compile(r"^/(?:a|amp)/(?:[^/]+/)?(?P<id>\d+)\.html$")
_AMP_PREFIX = re.compile(r"^/amp/")


def strip_tracking(url: str) -> str:
    """Remove tracking parameters (``utm_*`` and friends) and the fragment.

    >>> strip_tracking("https://x.org/a/1.html?utm_medium=proxy&p=2#c")
    'https://x.org/a/1.html?p=2'
    """
    return url_query_cleaner(
        url, [p for p in _query_keys(url) if p.startswith(TRACKING_PREFIXES)], remove=True
    )


def _query_keys(url: str) -> list[str]:
    query = urlsplit(url).query
    return [pair.split("=", 1)[0] for pair in query.split("&") if pair]


def canonical_url(url: str) -> str:
    """The URL an article is known by: https, no tracking query, no fragment, no AMP prefix."""
    parts = urlsplit(strip_tracking(url))
    path = _AMP_PREFIX.sub("/a/", parts.path)
    return urlunsplit(("https", parts.netloc.lower(), path, parts.query, ""))


def article_id(url: str) -> str | None:
    """The numeric Pangea article id of an article URL (canonical, short or AMP), else None."""
    match = _ARTICLE_PATH.match(urlsplit(url).path)
    return match["id"] if match else None


def is_article_url(url: str) -> bool:
    return article_id(url) is not None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def replace_origin(url: str, origin: str) -> str:
    """The same path and query on another origin.

    >>> replace_origin("https://gdb.voanews.com/abc.jpg?x=1", "http://127.0.0.1:8000")
    'http://127.0.0.1:8000/abc.jpg?x=1'
    """
    new = urlsplit(origin)
    parts = urlsplit(url)
    return urlunsplit((new.scheme, new.netloc, parts.path, parts.query, parts.fragment))


_IMAGE_NAME = re.compile(  # <uuid>[_<rendition parameters>].<ext>
    r"^(?P<uuid>[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})(?:_[a-z0-9_]+)?(?P<ext>\.[a-z]+)$",
    re.IGNORECASE,
)


def image_rendition_url(url: str, width: int | None) -> str:
    """The Pangea rendition of an image ``width`` pixels wide; no width: the original URL.

    Pangea image URLs name a uuid (``<uuid>.jpg`` is the original); renditions append their
    parameters to it. Parameters already there are replaced. A URL that names no uuid has no
    renditions and is returned as it is.

    >>> original = "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg"
    >>> image_rendition_url(original, 900)
    'https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w900.jpg'
    >>> image_rendition_url(original, None) == image_rendition_url(original, 0) == original
    True
    >>> image_rendition_url(original.replace(".jpg", "_w250_r1_s.jpg"), 1080)
    'https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w1080.jpg'
    >>> image_rendition_url("https://example.org/img/logo.png", 900)
    'https://example.org/img/logo.png'
    """
    parts = urlsplit(url)
    folder, _, name = parts.path.rpartition("/")
    match = _IMAGE_NAME.match(name)
    if not width or not match:
        return url
    path = f"{folder}/{match['uuid']}_r1_s_w{width}{match['ext']}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))
