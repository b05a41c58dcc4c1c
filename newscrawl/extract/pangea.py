"""Understanding a Pangea article page (voachinese.com, voanews.com, ...): HTML and URL in,
field values out. No network, no reactor.

One :class:`PangeaArticle` per page, one small method per field. The HTML is parsed once
with lxml; the selectors are compiled once, as class attributes; JSON-LD, meta tags and the
body walk are computed once, on first use, and shared by the fields that need them.

Where a field comes from, first found wins (see each method for details)::

    title         JSON-LD headline, h1.pg-title, og:title
    authors       JSON-LD author (object or list, Person or Organization), bylines, meta Author
    published_at  JSON-LD datePublished, time[pubdate][datetime]; the loader then tries the
                  feed's pubDate and the printed date (visible_published_at)
    body          #article-content .wsw (every one, for live blogs), else an older template's
                  body (LEGACY_BODIES), else div.intro (media pages)

The kind of page (``kind()``) is told by these signals, in this order:

1. JSON-LD: the main object's ``@type`` is ``LiveBlogPosting`` (live), ``VideoObject``
   (video), ``AudioObject`` (audio) or ``ImageGallery`` (gallery);
2. ``og:type``: ``video...`` (video), ``music...`` or ``audio...`` (audio);
3. ``<body class>``: ``pg-video``, ``pg-audio``, ``pg-gallery``, ``pg-live`` or
   ``pg-liveblog`` name the kind (``pg-article`` says nothing more); ``pg-media`` is video, or
   audio when the page's player holds an ``<audio>``;
4. markup: a ``.liveblog`` element (live), figures in a ``.gallery`` (gallery), or a player
   (``.c-mmp``) in ``.cover-media`` while the page has no article text (video or audio).
   An article whose cover is a video but which has text stays an article.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from html import escape
from typing import Any

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from w3lib.encoding import html_to_unicode

from newscrawl import processors
from newscrawl.urls import article_id, canonical_url

KINDS_BY_LD_TYPE = {
    "LiveBlogPosting": "live",
    "VideoObject": "video",
    "AudioObject": "audio",
    "ImageGallery": "gallery",
}
KINDS_BY_BODY_CLASS = {
    "pg-video": "video",
    "pg-audio": "audio",
    "pg-gallery": "gallery",
    "pg-live": "live",
    "pg-liveblog": "live",
}
ARTICLE_LD_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting", *KINDS_BY_LD_TYPE}
)

# Body walk: what each element inside .wsw is.
_BLOCK_TYPES = {"p": "p", "h2": "h2", "h3": "h3", "h4": "h3", "h5": "h3", "h6": "h3", "blockquote": "blockquote"}
_LISTS = frozenset({"ul", "ol"})
_CONTAINERS = frozenset({"div", "section", "article", "main", "center", "table", "tbody", "thead", "tr", "td", "th"})
_JUNK_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "video", "audio", "button",
     "form", "input", "select", "textarea", "nav", "aside", "header", "footer", "figure", "svg", "img"}
)
# Class tokens (prefixes) of things inside the body that are not article text.
_JUNK_CLASSES = ("wsw__embed", "wsw__related", "c-mmp", "media-pholder", "share", "related", "media-block", "dateline")
_BLOCK_START = re.compile(r"<(?=(?:p|div|li|h[1-6]|tr|dt|dd)\b)", re.I)  # a line break inside a block
# Characters XML cannot hold (form feed is HTML white space: it becomes a space).
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_AUDIO_EXTENSIONS = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".wav")
# Where pages of templates older than #article-content hold their body, first found wins:
# div.wysiwyg (the editor's container, before .wsw), div.article__text, and the zoomable
# article text of the oldest pages. Reasoned from the template's class names; no live page of
# each was seen (the replica serves the first two, see newscrawl/replica/markup.py).
LEGACY_BODIES = ("div.wysiwyg", "div.article__text", "div.articleContent div.zoomMe", "div.zoomMe")
# A blank line of old pages: two or more <br> with only white space between them.
_BR_PAIR = re.compile(r"(?:<br\s*/?>(?:\s|&nbsp;|&#160;)*){2,}", re.I)

_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)


def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def _classes(element: lxml.html.HtmlElement) -> list[str]:
    return (element.get("class") or "").split()


def _is_junk(element: lxml.html.HtmlElement) -> bool:
    return element.tag in _JUNK_TAGS or any(c.startswith(_JUNK_CLASSES) for c in _classes(element))


def _string(value: Any) -> str:
    """The text of a JSON-LD value that should be a string (first item of a list)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), "")
    return value if isinstance(value, str) else ""


class PangeaArticle:
    """A fetched Pangea page. ``url`` is the real URL it was fetched from; ``language`` the
    site's language (the registry's), which decides how text is cleaned (see
    :mod:`newscrawl.processors`), else the language the page declares."""

    _META = XPath("//meta[@content]")
    _JSON_LD = XPath("//script[@type='application/ld+json']")
    _CANONICAL = XPath("//link[@rel='canonical']/@href")
    _TITLE = _css("h1.pg-title")
    _CATEGORY = _css("div.category a")
    _PUBLISHED = XPath("//time[@pubdate][@datetime]")
    _PRINTED_DATE = _css("div.published span.date")
    _BYLINES = XPath(
        "//a[contains(concat(' ', normalize-space(@class), ' '), ' links__item-link ')]"
        "[not(ancestor::*[contains(@class, 'media-block')])]"
    )
    _WSW = XPath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' wsw ')]")
    _INTRO = _css("div.intro")
    _LEGACY_BODY = tuple(_css(selector) for selector in LEGACY_BODIES)
    _COVER = _css("div.cover-media")
    _FIGURE = XPath(".//figure[not(ancestor::*[contains(@class, 'c-mmp')])]")
    _CAPTION = _css("figcaption .caption")
    _FIGCAPTION = XPath(".//figcaption")
    _IMAGE_SRC = XPath(".//img/@src[normalize-space()] | .//img/@data-src[normalize-space()]")
    _PLAYER_SOURCES = XPath(
        ".//*[contains(@class, 'c-mmp')]//*[self::video or self::audio or self::source][@src]"
    )
    _PLAYER = _css("div.c-mmp")
    _GALLERY_FIGURES = _css("div.gallery figure")
    _LIVEBLOG = _css("div.liveblog")

    def __init__(self, html: str | bytes, url: str, language: str | None = None):
        self.url = url
        self.root = self._parse(html)
        self.site_language = language

    @staticmethod
    def _parse(html: str | bytes) -> lxml.html.HtmlElement:
        if isinstance(html, bytes):
            html = html_to_unicode(None, html)[1]
        # libxml2 keeps control characters that lxml then refuses to write back into the tree.
        data = _CONTROL.sub("", html).replace("\x0c", " ").encode("utf-8", "replace")
        try:
            root = lxml.etree.fromstring(data, _PARSER) if data.strip() else None
        except lxml.etree.LxmlError:
            root = None
        return root if root is not None else lxml.html.fromstring("<html></html>")

    # --- Shared, computed once --------------------------------------------------------------

    @cached_property
    def text_language(self) -> str | None:
        """The language whose script rules clean the page's text: the site's, else the page's."""
        return self.site_language or self.language()

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta>`` contents by lower-cased ``name`` or ``property``; the first one wins."""
        found: dict[str, str] = {}
        for tag in self._META(self.root):
            key = (tag.get("property") or tag.get("name") or "").strip().lower()
            if key and key not in found:
                found[key] = tag.get("content", "")
        return found

    @cached_property
    def json_ld(self) -> list[dict]:
        """Every JSON-LD object of the page (lists and ``@graph`` flattened); bad JSON is skipped."""
        objects: list[dict] = []
        for script in self._JSON_LD(self.root):
            try:
                data = json.loads((script.text or "").strip().rstrip(";"), strict=False)
            except (ValueError, RecursionError):
                continue
            objects.extend(_flatten_ld(data))
        return objects

    @cached_property
    def main_ld(self) -> dict:
        """The JSON-LD object that describes the article (empty if the page has none)."""
        return next((o for o in self.json_ld if _ld_types(o) & ARTICLE_LD_TYPES), {})

    @cached_property
    def body_classes(self) -> set[str]:
        body = self.root.find("body")
        return set(_classes(body)) if body is not None else set()

    @cached_property
    def _body_and_figures(self) -> tuple[list[dict], list[lxml.html.HtmlElement]]:
        """The body blocks and the inline figures, in page order."""
        blocks: list[dict] = []
        figures: list[lxml.html.HtmlElement] = []
        for root in self.body_roots:
            _prepare(root, self.url)
            for kind, html in _walk(root, figures):
                block = self._block(kind, html)
                if block:
                    blocks.append(block)
        return blocks, figures

    @cached_property
    def content(self) -> lxml.html.HtmlElement | None:
        """``#article-content``, which holds the body."""
        return self.root.get_element_by_id("article-content", None)

    @cached_property
    def body_roots(self) -> list[lxml.html.HtmlElement]:
        """Where the body's blocks are: every ``.wsw`` of the content (one per live-blog post),
        else the body of an older template (:data:`LEGACY_BODIES`), else the ``div.intro`` of a
        media page."""
        roots = (self._WSW(self.content) if self.content is not None else []) or self._legacy_body()
        roots = roots or self._INTRO(self.root)[:1]
        return [r for r in roots if not any(a in roots for a in r.iterancestors())]

    @property
    def container(self) -> lxml.html.HtmlElement | None:
        """Where the page keeps its body: ``#article-content``, else an older template's body."""
        return self.content if self.content is not None else next(iter(self._legacy_body()), None)

    def _legacy_body(self) -> list[lxml.html.HtmlElement]:
        return next((found[:1] for found in (select(self.root) for select in self._LEGACY_BODY) if found), [])

    @cached_property
    def cover(self) -> lxml.html.HtmlElement | None:
        covers = self._COVER(self.root)
        return covers[0] if covers else None

    # --- What the page is -----------------------------------------------------------------

    def is_article(self) -> bool:
        """An /a/ page with article markup (JSON-LD article, h1.pg-title, #article-content or an
        older template's body): not a listing, author, home or programme page, nor a
        bot-challenge or script-only shell."""
        if self.article_id() is None:
            return False
        return bool(self.main_ld or self._TITLE(self.root) or self.content is not None or self._legacy_body())

    def kind(self) -> str:
        """article, video, audio, gallery or live: see the module docstring for the signals."""
        return self._kind

    @cached_property
    def _kind(self) -> str:
        return (
            self._kind_from_json_ld()
            or self._kind_from_og_type()
            or self._kind_from_body_class()
            or self._kind_from_markup()
            or "article"
        )

    def _kind_from_json_ld(self) -> str | None:
        return next((KINDS_BY_LD_TYPE[t] for t in _ld_types(self.main_ld) if t in KINDS_BY_LD_TYPE), None)

    def _kind_from_og_type(self) -> str | None:
        og_type = self.meta.get("og:type", "").lower()
        if og_type.startswith("video"):
            return "video"
        return "audio" if og_type.startswith(("music", "audio")) else None

    def _kind_from_body_class(self) -> str | None:
        named = next((KINDS_BY_BODY_CLASS[c] for c in self.body_classes if c in KINDS_BY_BODY_CLASS), None)
        return named or ((self._player_kind() or "video") if "pg-media" in self.body_classes else None)

    def _kind_from_markup(self) -> str | None:
        if self._LIVEBLOG(self.root):
            return "live"
        if self._GALLERY_FIGURES(self.root):
            return "gallery"
        return None if self._body_and_figures[0] else self._player_kind()

    def _player_kind(self) -> str | None:
        """video or audio, from the first player in the cover (else anywhere on the page)."""
        players = (self._PLAYER(self.cover) if self.cover is not None else []) or self._PLAYER(self.root)
        for player in players:
            if player.find(".//audio") is not None or "c-mmp--audio" in _classes(player):
                return "audio"
            if player.find(".//video") is not None or "c-mmp--video" in _classes(player):
                return "video"
        return None

    # --- Identity -------------------------------------------------------------------------

    def canonical_url(self) -> str:
        """``<link rel=canonical>``, else og:url, else the fetched URL; https, no tracking, no AMP."""
        return self._canonical_url

    @cached_property
    def _canonical_url(self) -> str:
        declared = next((h for h in self._CANONICAL(self.root) if h.strip()), "") or self.meta.get("og:url", "")
        return canonical_url(processors.absolute_url(self.url, declared) or self.url)

    def article_id(self) -> str | None:
        return article_id(self.canonical_url()) or article_id(canonical_url(self.url))

    def language(self) -> str | None:
        """``<html lang>`` as declared, else JSON-LD inLanguage; None if the page says neither."""
        declared = (self.root.get("lang") or "").strip() or _string(self.main_ld.get("inLanguage")).strip()
        return declared or None

    # --- Header ---------------------------------------------------------------------------

    def title(self) -> str:
        candidates = (
            _string(self.main_ld.get("headline")) or _string(self.main_ld.get("name")),
            self._text(next(iter(self._TITLE(self.root)), None)),
            self.meta.get("og:title", ""),
        )
        return self._first_text(candidates)

    def summary(self) -> str:
        candidates = (
            self.meta.get("og:description"),
            self.meta.get("description"),
            _string(self.main_ld.get("description")),
        )
        return self._first_text(candidates)

    def authors(self) -> list[str]:
        names = _ld_names(self.main_ld.get("author"))
        if not any(names):
            names = [self._text(a) for a in self._BYLINES(self.root)]
        if not any(names):
            names = [self.meta.get("author", "")]
        return processors.unique(n for n in (self._clean(name) for name in names) if n)

    def section(self) -> str | None:
        section = self._clean(_string(self.main_ld.get("articleSection")))
        return section or self._text(next(iter(self._CATEGORY(self.root)), None)) or None

    def tags(self) -> list[str]:
        keywords = self.main_ld.get("keywords")
        sources = [self.meta.get("keywords"), self.meta.get("news_keywords")]
        sources += keywords if isinstance(keywords, list) else [keywords]
        tags = (tag for s in sources if isinstance(s, str) for tag in processors.split_tags(s, self.text_language))
        return processors.unique(tags)

    def published_at(self) -> str | None:
        """JSON-LD datePublished (or uploadDate), else ``time[pubdate][datetime]``, as ISO UTC."""
        for value in (self.main_ld.get("datePublished"), self.main_ld.get("uploadDate"), *self._time_attributes()):
            moment = processors.to_utc_iso(_string(value))
            if moment:
                return moment
        return None

    def _time_attributes(self) -> Iterator[str]:
        return (t.get("datetime", "") for t in self._PUBLISHED(self.root))

    def updated_at(self) -> str | None:
        return processors.to_utc_iso(_string(self.main_ld.get("dateModified")))

    def visible_published_at(self) -> str | None:
        """The printed publication date (last resort: no time zone, taken as UTC)."""
        printed = self._PUBLISHED(self.root)[:1] or self._PRINTED_DATE(self.root)[:1]
        return processors.parse_visible_date(self._text(printed[0]), self.text_language) if printed else None

    def dateline(self) -> str | None:
        """``span.dateline`` of the body, else a dateline in the language's house style that
        opens the first paragraph (left in its text: the page shows it there)."""
        for root in self.body_roots:
            for span in root.iterfind(".//span[@class]"):
                if "dateline" in _classes(span):
                    return processors.clean_dateline(span.xpath("string()"), self.text_language) or None
        first = next((block["text"] for block in self.body() if block["type"] == "p"), "")
        return processors.dateline_in_text(first, self.text_language)

    # --- Content --------------------------------------------------------------------------

    def body(self) -> list[dict]:
        """Text blocks in page order: {"type": p|h2|h3|li|blockquote, "text", "html"}."""
        return self._body_and_figures[0]

    def body_text(self) -> str:
        return "\n\n".join(block["text"] for block in self.body())

    def sources(self) -> list[str]:
        """Agencies named by the attribution line (the last block that is one), else []."""
        for block in reversed(self.body()):
            found = processors.parse_sources(block["text"], self.text_language)
            if found:
                return found
        return []

    def images(self) -> list[dict]:
        """The article's own images: the cover (else og:image), inline figures of the body,
        then the gallery's figures; original URLs, de-duplicated."""
        cover_figures = self._FIGURE(self.cover)[:1] if self.cover is not None else []
        cover = [self._image(f, is_cover=True) for f in cover_figures]
        if not any(cover):
            cover = [self._image_record(self.meta.get("og:image", ""), "", is_cover=True)]
        figures = self._body_and_figures[1] + (self._GALLERY_FIGURES(self.root) if self.kind() == "gallery" else [])
        images = cover + [self._image(f, is_cover=False) for f in figures]
        return processors.unique((i for i in images if i), key=lambda image: image["url"])

    def media(self) -> list[dict]:
        """Player sources of video and audio pages ({"url", "type"}): the cover's player (else
        the body's), then JSON-LD contentUrl, og:video, og:audio, twitter:player:stream; []
        for other kinds."""
        kind = self.kind()
        if kind not in ("video", "audio"):
            return []
        players = (self._PLAYER_SOURCES(self.cover) if self.cover is not None else []) or [
            s for root in self.body_roots for s in self._PLAYER_SOURCES(root)
        ]
        found = [{"url": processors.absolute_url(self.url, s.get("src", "")), "type": _media_type(s, kind)}
                 for s in players]
        declared = [_string(self.main_ld.get("contentUrl"))]
        declared += [self.meta.get(k, "") for k in ("og:video", "og:audio", "twitter:player:stream")]
        for url in (processors.absolute_url(self.url, src) for src in declared):
            found.append({"url": url, "type": "audio" if url.lower().endswith(_AUDIO_EXTENSIONS) else kind})
        return processors.unique((m for m in found if m["url"]), key=lambda m: m["url"])

    def fields(self) -> dict[str, Any]:
        """Every field the page itself tells, keyed like :class:`newscrawl.items.ArticleItem`."""
        return {
            "url": self.canonical_url(),
            "article_id": self.article_id(),
            "language": self.language(),
            "kind": self.kind(),
            "title": self.title(),
            "summary": self.summary(),
            "authors": self.authors(),
            "section": self.section(),
            "tags": self.tags(),
            "published_at": self.published_at(),
            "updated_at": self.updated_at(),
            "dateline": self.dateline(),
            "body": self.body(),
            "body_text": self.body_text(),
            "sources": self.sources(),
            "images": self.images(),
            "media": self.media(),
        }

    # --- Helpers --------------------------------------------------------------------------

    def _clean(self, text: str | None) -> str:
        return processors.clean_text(text, self.text_language)

    def _text(self, element: lxml.html.HtmlElement | None) -> str:
        return self._clean(element.xpath("string()")) if element is not None else ""

    def _first_text(self, candidates: Iterable[str | None]) -> str:
        return next((t for t in map(self._clean, candidates) if t), "")

    def _block(self, kind: str, inner_html: str) -> dict | None:
        html = processors.clean_html(_BLOCK_START.sub("<br><", inner_html), self.text_language)
        text = processors.html_to_text(html, self.text_language)
        return {"type": kind, "text": text, "html": html} if text else None

    def _image(self, figure: lxml.html.HtmlElement, is_cover: bool) -> dict | None:
        sources = self._IMAGE_SRC(figure)
        if not sources:
            return None
        caption = self._CAPTION(figure)[:1] or self._FIGCAPTION(figure)[:1]
        return self._image_record(sources[0], self._text(caption[0]) if caption else "", is_cover)

    def _image_record(self, src: str, caption: str, is_cover: bool) -> dict | None:
        url = processors.absolute_url(self.url, src)
        if not processors.is_pangea_image(url):
            return None
        return {"url": processors.original_image_url(url), "caption": caption, "is_cover": is_cover}


def _walk(node: lxml.html.HtmlElement, figures: list) -> Iterator[tuple[str, str]]:
    """(block type, inner HTML) for every text block under ``node``, in page order. Text that
    sits between blocks (old pages put it straight into .wsw) becomes "p" blocks, one per
    paragraph (a blank line made of ``<br>`` pairs ends one); inline figures are appended to
    ``figures``."""
    run = [escape(node.text or "", quote=False)]
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        block_type = _BLOCK_TYPES.get(tag) or ("li" if tag == "li" else None)
        if not (tag and (_is_junk(child) or block_type or tag in _LISTS or tag in _CONTAINERS)):
            run.append(lxml.html.tostring(child, encoding="unicode") if tag else escape(child.tail or "", quote=False))
            continue
        yield from _run_block(run)
        run = [escape(child.tail or "", quote=False)]
        if _is_junk(child):
            figures.extend([child] if tag == "figure" else PangeaArticle._FIGURE(child))
        elif block_type:
            yield block_type, _inner_html(child)
        elif tag in _LISTS:
            yield from (("li", _inner_html(li)) for li in child.iterchildren("li"))
        else:
            yield from _walk(child, figures)
    yield from _run_block(run)


def _run_block(run: list[str]) -> Iterator[tuple[str, str]]:
    html = "".join(run)
    if html.strip():
        yield from (("p", paragraph) for paragraph in _BR_PAIR.split(html) if paragraph.strip())


def _prepare(root: lxml.html.HtmlElement, url: str) -> None:
    """Links made absolute and ``b``/``i`` spelled ``strong``/``em``, once for the whole body."""
    for inline in root.iter("a", "b", "i"):
        if inline.tag != "a":
            inline.tag = "strong" if inline.tag == "b" else "em"
        elif not inline.get("href", "").startswith(("https://", "http://")):
            inline.set("href", processors.absolute_url(url, inline.get("href", "")))


def _inner_html(element: lxml.html.HtmlElement) -> str:
    """The element's content as HTML, without what is not article text."""
    for junk in [e for e in element.iterdescendants() if isinstance(e.tag, str) and _is_junk(e)]:
        junk.drop_tree()
    children = "".join(lxml.html.tostring(c, encoding="unicode") for c in element)
    return escape(element.text or "", quote=False) + children


def _flatten_ld(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item)
    elif isinstance(data, dict):
        yield data
        yield from _flatten_ld(data.get("@graph", []))


def _ld_types(obj: dict) -> set[str]:
    types = obj.get("@type")
    return {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}


def _ld_names(value: Any) -> list[str]:
    """Names of JSON-LD authors: one object, a list of them, or plain strings."""
    values = value if isinstance(value, list) else [value]
    return [v if isinstance(v, str) else _string(v.get("name")) for v in values if isinstance(v, (str, dict))]


def _media_type(source: lxml.html.HtmlElement, kind: str) -> str:
    tag = source.tag if source.tag != "source" else getattr(source.getparent(), "tag", "")
    if tag in ("video", "audio"):
        return tag
    mime = source.get("type", "")
    return "audio" if mime.startswith("audio") else "video" if mime.startswith("video") else kind
