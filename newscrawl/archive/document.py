"""The mirror document format: one archived article per text file.

    <!--1739864342000-->                      fetched at, epoch milliseconds
    [title](canonical url)
    ------
                                               (empty line)
    <div><i>Tue, 18 Feb 2025 07:27:23 GMT</i></div><img src="https://images.weserv.nl?url=...">
    <div><small style="color: #999;">caption</small></div><p>block</p><p> </p><p>block</p>...

The HTML is one line; blocks are separated by ``<p> </p>``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import unquote

from newscrawl.errors import NewscrawlError
from newscrawl.processors import clean_html
from newscrawl.urls import image_rendition_url

IMAGE_PROXY = "https://images.weserv.nl?url="
BLOCK_SEPARATOR = "<p> </p>"

_FETCHED_AT = re.compile(r"<!--(\d{10,16})-->")
_TITLE_LINK = re.compile(r"\[(?P<title>.+)\]\((?P<url>https?://[^\s)]+)\)")
_PUBLISHED = re.compile(r"^<div><i>(?P<date>[^<]+)</i></div>")
_COVER = re.compile(r'<img src="' + re.escape(IMAGE_PROXY) + r'(?P<url>[^"]+)"[^>]*>')
_CAPTION = re.compile(r"<div><small[^>]*>(?P<caption>.*?)</small></div>")
_BLOCK = re.compile(r"<p>(?P<html>.*?)</p>")
_LINK_TEXT_ESCAPE = re.compile(r"\\([\[\]\\])")


class DocumentError(NewscrawlError, ValueError):
    """An archived document does not follow the mirror format (the message says where)."""


@dataclass(frozen=True)
class ArchivedDocument:
    fetched_at: datetime  # when the mirror archived the page, UTC
    title: str
    url: str  # the article's canonical URL
    published_at: datetime  # UTC
    cover_url: str | None  # the cover rendition as written, without the image proxy
    cover_caption: str | None
    blocks: list[str]  # inner HTML of each body <p>, separators skipped


def parse_document(text: str) -> ArchivedDocument:
    """Read one archived document.

    >>> doc = parse_document(
    ...     "<!--1739864342000-->\\n[标题](https://www.voachinese.com/a/x-20250218/1.html)\\n------\\n\\n"
    ...     '<div><i>Tue, 18 Feb 2025 07:27:23 GMT</i></div><p>第一段。</p><p> </p><p><em>第二段</em></p>\\n'
    ... )
    >>> doc.fetched_at.isoformat(), doc.published_at.isoformat()
    ('2025-02-18T07:39:02+00:00', '2025-02-18T07:27:23+00:00')
    >>> doc.blocks, doc.cover_url
    (['第一段。', '<em>第二段</em>'], None)
    """
    lines = text.split("\n")
    if len(lines) < 5:
        raise DocumentError(f"an archived document has at least 5 lines, this one has {len(lines)}")
    head, title_line, rule, blank, body = lines[:5]
    if rule.strip("-") or not rule or blank.strip():
        raise DocumentError("line 3 must be a '------' rule and line 4 empty")
    if any(line.strip() for line in lines[5:]):
        raise DocumentError("the HTML must be one line (line 5) followed by a final newline")
    title, url = _title_link(title_line)
    cover_url, caption = _cover(body)
    blocks = [match["html"] for match in _BLOCK.finditer(body) if match["html"].strip()]
    if not blocks:
        raise DocumentError("the HTML holds no <p> body block")
    return ArchivedDocument(
        fetched_at=_fetched_at(head),
        title=title,
        url=url,
        published_at=_published_at(body),
        cover_url=cover_url,
        cover_caption=caption,
        blocks=blocks,
    )


def _fetched_at(line: str) -> datetime:
    match = _FETCHED_AT.fullmatch(line.strip())
    if not match:
        raise DocumentError(f"line 1 must be <!--epoch milliseconds-->, got {line[:60]!r}")
    return datetime.fromtimestamp(int(match[1]) / 1000, tz=timezone.utc)


def _title_link(line: str) -> tuple[str, str]:
    match = _TITLE_LINK.fullmatch(line.strip())
    if not match:
        raise DocumentError(f"line 2 must be [title](url), got {line[:80]!r}")
    return html.unescape(_LINK_TEXT_ESCAPE.sub(r"\1", match["title"].strip())), match["url"]


def _published_at(body: str) -> datetime:
    match = _PUBLISHED.match(body)
    if not match:
        raise DocumentError("the HTML must open with <div><i>publication date</i></div>")
    try:
        published = parsedate_to_datetime(match["date"])
    except (TypeError, ValueError) as exc:
        raise DocumentError(f"unreadable publication date {match['date']!r}") from exc
    if published.tzinfo is None:
        raise DocumentError(f"publication date without a time zone: {match['date']!r}")
    return published.astimezone(timezone.utc)


def _cover(body: str) -> tuple[str | None, str | None]:
    """The cover rendition's URL (https, proxy prefix removed) and its caption, when present."""
    image = _COVER.search(body)
    if not image:
        return None, None
    target = html.unescape(unquote(image["url"]))
    url = target if target.startswith(("http://", "https://")) else "https://" + target.lstrip("/")
    caption = _CAPTION.search(body, image.end())
    return url, html.unescape(caption["caption"]).strip() if caption else None


def render_document(item: dict, image_proxy: str = "", image_width: int | None = None) -> str:
    """One article item in the mirror format (the inverse of :func:`parse_document`).

    The cover image is written as its ``image_width`` rendition, through ``image_proxy`` when
    one is given (the proxy takes the URL without its scheme). Every body block, sub-headings
    included, is a ``<p>``; block HTML is sanitized again, so nothing unsafe reaches a mirror.

    >>> item = {"title": "标题", "url": "https://www.voachinese.com/a/x/1.html",
    ...         "published_at": "2025-02-18T07:27:23Z", "fetched_at": "2025-02-18T07:39:02Z",
    ...         "images": [], "body": [{"html": "第一段。"}, {"html": "<em>第二段</em><script>x</script>"}]}
    >>> print(render_document(item), end="")
    <!--1739864342000-->
    [标题](https://www.voachinese.com/a/x/1.html)
    ------
    <BLANKLINE>
    <div><i>Tue, 18 Feb 2025 07:27:23 GMT</i></div><p>第一段。</p><p> </p><p><em>第二段</em></p>
    """
    fetched_at = _utc(item["fetched_at"])
    head = f"<!--{round(fetched_at.timestamp() * 1000)}-->\n[{link_text(item['title'])}]({item['url']})\n------\n\n"
    published = format_datetime(_utc(item["published_at"]), usegmt=True)
    cover = _render_cover(item.get("images") or [], image_proxy, image_width)
    blocks = BLOCK_SEPARATOR.join(f"<p>{clean_html(block['html'])}</p>" for block in item.get("body") or [])
    return f"{head}<div><i>{published}</i></div>{cover}{blocks}\n"


def link_text(text: str) -> str:
    """Text as the text of a Markdown link: one line, HTML escaped, brackets and backslashes
    escaped, so that a headline that shows markup never becomes markup.

    >>> link_text('XSS: <img onerror=x> [y](javascript:z)')
    'XSS: &lt;img onerror=x&gt; \\\\[y\\\\](javascript:z)'
    """
    return re.sub(r"([\[\]\\])", r"\\\1", html.escape(" ".join(text.split()), quote=False))


def _render_cover(images: list[dict], image_proxy: str, image_width: int | None) -> str:
    cover = next((image for image in images if image.get("is_cover")), None)
    if cover is None:
        return ""
    url = image_rendition_url(cover["url"], image_width)
    if image_proxy:
        url = image_proxy + url.split("://", 1)[-1]
    caption = html.escape(cover.get("caption") or "", quote=False)
    caption_html = f'<div><small style="color: #999;">{caption}</small></div>' if caption else ""
    return f'<img src="{html.escape(url)}" width="100%">{caption_html}'


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
