"""Small pure functions that clean field values: text, tags, dates, URLs, sources.

Used by the page extractor (``newscrawl.extract.pangea``) and as item-loader processors
(``newscrawl.loaders``). Each one takes a value and returns the cleaned value; none of them
raises on bad input: what cannot be understood becomes ``None`` (or an empty list), which
item loaders drop.

CJK punctuation is kept exactly as published: nothing here applies Unicode NFKC, which would
turn ``，`` into ``,``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Any, TypeVar
from urllib.parse import urljoin

import dateparser
import nh3

from newscrawl.sites import IMAGE_HOSTS

T = TypeVar("T")

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Zero-width characters, and C0 control characters other than tab and line breaks.
_INVISIBLE = re.compile(f"[{ZERO_WIDTH}\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
# Runs of spaces to collapse; U+3000 is not one: inside a line it is published text. Single
# plain spaces are left alone, which keeps the common case fast.
_SPACE_RUN = re.compile(r"[ \t\n\r\f\v\xa0]{2,}|[\t\n\r\f\v\xa0]")
_LINE_SPACE_RUN = re.compile(r"[ \t\r\f\v\xa0]{2,}|[\t\r\f\v\xa0]")
_INDENT = " \t\xa0\u3000"
_BLANK_LINES = re.compile(r"\n{3,}")
_TAG_SEPARATORS = re.compile(r"[,，、]")
_DATELINE_END = re.compile(r"[\s\u2013\u2014\-]+$")
_IMAGE_RENDITION = re.compile(
    r"^(?:https?:)?//(?P<host>" + "|".join(map(re.escape, IMAGE_HOSTS)) + r")/(?P<uuid>[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})"
    r"(?:_[a-z]+\d*)*(?P<ext>\.[A-Za-z0-9]+)(?:[?#].*)?$"
)
_SOURCES_ZH = re.compile(
    r"[(（]\s*本文(?:依据|依據|根据|根據|参考|參考|综合|綜合|编译自|編譯自|引用|采用|採用)了?\s*"
    r"(?P<names>.+?)(?:的|之)?(?:报道|報道|报导|報導|消息|資料|资料)\s*[)）]"
)
_SOURCES_EN = re.compile(
    r"^\(?\s*(?:some )?information (?:for|in) this (?:report|story|article) "
    r"(?:came |was provided )?from (?P<names>.+?)\.?\s*\)?$",
    re.I,
)
_SOURCE_SEPARATORS = re.compile(r"\s*(?:[、，,和及]|\band\b)\s*")

_CLEANER = nh3.Cleaner(
    tags={"em", "strong", "a", "br"}, attributes={"a": {"href"}}, link_rel=None, strip_comments=True
)
_BR_SPACING = re.compile(r" ?<br> ?\u3000*")
_TAG = re.compile(r"<[^>]*>")


def strip_zero_width(text: str) -> str:
    """Remove zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) and control
    characters (other than tab and line breaks).

    >>> strip_zero_width("美\u200b国\ufeff\x01")
    '美国'
    """
    return _INVISIBLE.sub("", text)


def strip_fullwidth_indent(text: str) -> str:
    """Remove the indent (full-width U+3000 and other spaces) at the start of every line;
    a U+3000 inside a line is kept.

    >>> strip_fullwidth_indent("\u3000\u3000第一段\\n\u3000第二段\u3000完")
    '第一段\\n第二段\u3000完'
    """
    return "\n".join(line.lstrip(_INDENT) for line in text.split("\n"))


def clean_text(text: str | None) -> str:
    """One line of text: zero-width characters and the leading indent removed, NBSP and line
    breaks turned into spaces, runs of spaces collapsed, stripped. Punctuation untouched.

    >>> clean_text("\u3000 美国\xa0 国务院：\\n 和谈 \u200b")
    '美国 国务院： 和谈'
    >>> clean_text(None)
    ''
    """
    if not text:
        return ""
    return _SPACE_RUN.sub(" ", strip_zero_width(text)).strip(_INDENT)


def clean_lines(text: str) -> str:
    """Like :func:`clean_text` but keeps line breaks (``\\n``): each line is cleaned, at most one
    blank line is kept between lines, and the result is stripped.

    >>> clean_lines("\u3000第一行 \\n\\n\\n\\n 第二行\xa0 ")
    '第一行\\n\\n第二行'
    """
    text = _LINE_SPACE_RUN.sub(" ", strip_zero_width(text))
    if "\n" in text:
        text = _BLANK_LINES.sub("\n\n", "\n".join(line.strip(_INDENT) for line in text.split("\n")))
    return text.strip(_INDENT + "\n")


def clean_html(fragment: str) -> str:
    """An inline HTML fragment reduced to ``em``, ``strong``, ``a[href]`` and ``br``, with the
    whitespace cleaning of :func:`clean_lines` (``<br>`` plays the line break).

    >>> clean_html('\u3000<span>美国</span>\xa0<strong>国务院</strong><br/> '
    ...            '<a href="/a/1.html" onclick="x()">和谈</a><script>x()</script>')
    '美国 <strong>国务院</strong><br><a href="/a/1.html">和谈</a>'
    """
    cleaned = _SPACE_RUN.sub(" ", _CLEANER.clean(strip_zero_width(fragment)).replace("&nbsp;", " "))
    if "<br>" in cleaned:
        cleaned = _BR_SPACING.sub("<br>", cleaned)
    while cleaned.startswith(("<br>", " ", "\u3000")):
        cleaned = cleaned.removeprefix("<br>").lstrip(_INDENT)
    while cleaned.endswith(("<br>", " ")):
        cleaned = cleaned.removesuffix("<br>").rstrip(_INDENT)
    return cleaned


def html_to_text(fragment: str) -> str:
    """The plain text of a fragment made by :func:`clean_html`: ``<br>`` becomes a line break,
    tags go, entities are decoded.

    >>> html_to_text('美国 <strong>国务院</strong><br><a href="/a/1.html">和谈 &amp; 会谈</a>')
    '美国 国务院\\n和谈 & 会谈'
    """
    return clean_lines(unescape(_TAG.sub("", fragment.replace("<br>", "\n"))))


def clean_dateline(text: str | None) -> str:
    """A dateline without the dash that joins it to the text.

    >>> clean_dateline("AUBURN, Wash. —\xa0")
    'AUBURN, Wash.'
    >>> clean_dateline("华盛顿 - ")
    '华盛顿'
    """
    return _DATELINE_END.sub("", clean_text(text))


def split_tags(value: str | None) -> list[str]:
    """Keywords split on commas (also ``，`` and ``、``), trimmed, empty ones dropped.

    >>> split_tags(" USA,United States, ,美国，中国、 台湾 ")
    ['USA', 'United States', '美国', '中国', '台湾']
    """
    return [tag for tag in (clean_text(t) for t in _TAG_SEPARATORS.split(value or "")) if tag]


def unique(values: Iterable[T], key: Callable[[T], Hashable] | None = None) -> list[T]:
    """Values without repeats (by ``key`` if given), first occurrence kept, order kept.

    >>> unique(["USA", "美国", "USA"])
    ['USA', '美国']
    >>> unique([{"url": "a", "n": 1}, {"url": "a", "n": 2}], key=lambda d: d["url"])
    [{'url': 'a', 'n': 1}]
    """
    seen: set[Hashable] = set()
    kept = []
    for value in values:
        mark = key(value) if key else value
        if mark not in seen:
            seen.add(mark)
            kept.append(value)
    return kept


def to_utc_iso(value: Any) -> str | None:
    """An ISO 8601 UTC timestamp ending in ``Z`` from a datetime, an ISO 8601 string (``T`` or
    space, with ``Z`` or an offset), a JSON-LD date or an RFC 822 date; ``None`` if unreadable.
    A value without a time zone is taken as UTC.

    >>> to_utc_iso("2024-04-28 07:00:00Z")
    '2024-04-28T07:00:00Z'
    >>> to_utc_iso("2024-04-28T03:00:00-04:00")
    '2024-04-28T07:00:00Z'
    >>> to_utc_iso("Tue, 18 Feb 2025 07:27:23 GMT")
    '2025-02-18T07:27:23Z'
    >>> to_utc_iso(datetime(2025, 2, 18, 15, 27, 23, tzinfo=timezone.utc))
    '2025-02-18T15:27:23Z'
    >>> to_utc_iso("soon") is None
    True
    >>> to_utc_iso("9999-12-31T23:59:59-23:59") is None  # past the year 9999 in UTC
    True
    """
    moment = value if isinstance(value, datetime) else _parse_timestamp(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:  # at the edge of datetime's range, e.g. 9999-12-31T23:59:59-23:59
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")  # strftime drops the zeros of year 1


def _parse_timestamp(value: Any) -> datetime | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def parse_visible_date(text: str | None, language: str | None = None) -> str | None:
    """A date as printed on the page (any language dateparser reads) as ISO UTC with ``Z``.
    Printed dates carry no time zone; they are taken as UTC (the site's local time is unknown
    here), so this is only the last resort after JSON-LD, ``<time datetime>`` and the feed.

    >>> parse_visible_date("2025年2月18日 15:27", "zh-Hans")
    '2025-02-18T15:27:00Z'
    >>> parse_visible_date("April 28, 2024 3:00 AM", "en")
    '2024-04-28T03:00:00Z'
    >>> parse_visible_date("", "en") is None
    True
    """
    text = clean_text(text)
    if not text:
        return None
    settings = {"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True}
    languages = [language.split("-")[0].lower()] if language else None
    try:
        moment = dateparser.parse(text, languages=languages, settings=settings)
    except (ValueError, OverflowError):  # a language dateparser does not know, or a wild date
        moment = dateparser.parse(text, settings=settings)
    return to_utc_iso(moment)


def absolute_url(base: str, link: str) -> str:
    """``link`` resolved against ``base``; "" if there is no link or it cannot be resolved.

    >>> absolute_url("https://www.voachinese.com/z/1739", " /a/1.html ")
    'https://www.voachinese.com/a/1.html'
    >>> absolute_url("https://www.voachinese.com/z/1739", "http://[broken/a/1.html")  # a bad IPv6 host
    ''
    """
    link = link.strip()
    try:
        return urljoin(base, link) if link else ""
    except ValueError:
        return ""


def is_pangea_image(url: str) -> bool:
    """Whether ``url`` is an image on the Pangea image host (an article's own picture, not a
    logo or a third-party embed).

    >>> is_pangea_image("https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0_w250_r1_s.jpg")
    True
    >>> is_pangea_image("https://www.voachinese.com/Content/responsive/VOA/img/top_logo_news.png")
    False
    """
    return _IMAGE_RENDITION.match(url.strip()) is not None


def original_image_url(url: str) -> str:
    """The original of a Pangea image rendition: the bare ``<uuid>.<ext>`` on the image host,
    over https. Other URLs are returned unchanged.

    >>> original_image_url("https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0_w250_r1_s.jpg")
    'https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0.jpg'
    >>> original_image_url("//gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w900.jpg")
    'https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg'
    >>> original_image_url("https://example.org/logo.png")
    'https://example.org/logo.png'
    """
    match = _IMAGE_RENDITION.match(url.strip())
    return f"https://{match['host']}/{match['uuid']}{match['ext']}" if match else url


def parse_sources(text: str | None) -> list[str]:
    """The agencies named by an attribution line, in order; ``[]`` if the text is not one.

    >>> parse_sources("(本文依据了美联社、法新社、路透社的报道)")
    ['美联社', '法新社', '路透社']
    >>> parse_sources("（本文參考了美聯社和路透社報道）")
    ['美聯社', '路透社']
    >>> parse_sources("Some information for this report came from The Associated Press and Reuters.")
    ['The Associated Press', 'Reuters']
    >>> parse_sources("美联社报道说")
    []
    """
    text = (text or "").strip()
    match = _SOURCES_ZH.search(text) or _SOURCES_EN.match(text)
    if not match:
        return []
    return unique(name for name in map(clean_text, _SOURCE_SEPARATORS.split(match["names"])) if name)


def content_hash(title: str, body_text: str) -> str:
    """sha256 (hex) of the title and the body text, each with every run of whitespace collapsed
    to one space and stripped, joined by a line break. Changes in spacing or markup do not
    change it; any change of words or punctuation does.

    >>> content_hash("标题", "第一段\\n\\n第二段") == content_hash(" 标题 ", "第一段 第二段")
    True
    """
    normalized = f"{_normalize_space(title)}\n{_normalize_space(body_text)}"
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _normalize_space(text: str) -> str:
    return " ".join(text.split())
