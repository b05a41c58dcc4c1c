"""What the replica knows about an article, before any markup: the clean values that the
page renders (with noise) and that :meth:`Article.truth` reports (without it)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from newscrawl.languages import direction_of
from newscrawl.sites import IMAGE_HOST

_ATTRIBUTION = re.compile(r"本文依据了(?P<agencies>.+?)的报道")


def iso_z(moment: datetime) -> str:
    """
    >>> iso_z(datetime(2025, 2, 18, 7, 27, 23, tzinfo=timezone.utc))
    '2025-02-18T07:27:23Z'
    """
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Inline:
    """A run of text, plain or inside one inline element (em, strong, a with its href), or a
    ``br``, whose text is a line break and whose html is ``<br>``."""

    text: str
    tag: str | None = None
    href: str | None = None

    def html(self) -> str:
        text = html.escape(self.text, quote=False)
        if self.tag == "br":
            return "<br>"
        if self.tag is None:
            return text
        attributes = f' href="{html.escape(self.href or "")}"' if self.tag == "a" else ""
        return f"<{self.tag}{attributes}>{text}</{self.tag}>"


@dataclass(frozen=True)
class Block:
    """A text block of the body: p, h2, h3, li (``ordered`` tells ol from ul) or blockquote."""

    type: str
    inlines: tuple[Inline, ...]
    ordered: bool = False

    @property
    def text(self) -> str:
        return "".join(inline.text for inline in self.inlines)

    def truth(self) -> dict:
        return {"type": self.type, "text": self.text, "html": "".join(i.html() for i in self.inlines)}


@dataclass(frozen=True)
class Image:
    uuid: str
    caption: str = ""
    host: str = IMAGE_HOST  # the site's image host (VOA's or RFE/RL's)

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.uuid}.jpg"

    def rendition(self, params: str) -> str:
        return f"https://{self.host}/{self.uuid}_{params}.jpg"


@dataclass(frozen=True)
class Figure:
    """An image in the body (``div.wsw__embed > figure``): an article image, not text."""

    image: Image


@dataclass(frozen=True)
class Embed:
    """Something in the body that is neither text nor an article image.

    kind "player" (``url`` is the media file), "promo" (``url`` is another article's path,
    ``title`` its title, ``image`` its cover) or "widget".
    """

    kind: str
    url: str = ""
    title: str = ""
    image: Image | None = None


@dataclass(frozen=True)
class Media:
    url: str
    type: str  # "video" or "audio"


@dataclass(frozen=True)
class Entry:
    """An article as listings, feeds and sitemaps know it; cheap to make."""

    article_id: str
    kind: str
    section_id: str
    title: str
    summary: str
    slug: str
    published: datetime
    updated: datetime | None
    cover: Image
    old_slug: str | None = None
    status: int = 200  # 404 or 410 for the failure cases that have no page

    @property
    def path(self) -> str:
        return f"/a/{self.slug}/{self.article_id}.html"

    @property
    def amp_path(self) -> str:
        return f"/amp/{self.slug}/{self.article_id}.html"

    @property
    def lastmod(self) -> datetime:
        return self.updated or self.published


Piece = Block | Figure | Embed


@dataclass(frozen=True)
class Article:
    entry: Entry
    section: str  # the section's name
    authors: tuple[str, ...]
    author_type: str  # "Person" or "Organization"
    keywords: str  # as the page writes it, stray spaces and repeats included
    dateline: str | None
    body: tuple[Piece, ...]
    has_cover: bool
    media: tuple[Media, ...] = ()
    variants: frozenset[str] = field(default_factory=frozenset)

    @property
    def blocks(self) -> list[Block]:
        return [piece for piece in self.body if isinstance(piece, Block)]

    @property
    def images(self) -> list[Image]:
        figures = [piece.image for piece in self.body if isinstance(piece, Figure)]
        return [self.entry.cover, *figures] if self.has_cover else figures

    def truth(self, site: str, origin: str, language: str) -> dict:
        blocks = [block.truth() for block in self.blocks]
        return {
            "url": origin + self.entry.path,
            "article_id": self.entry.article_id,
            "site": site,
            "language": language,
            "direction": direction_of(language),
            "kind": self.entry.kind,
            "title": self.entry.title,
            "summary": self.entry.summary,
            "authors": list(self.authors),
            "section": self.section,
            "tags": tags_of(self.keywords),
            "published_at": iso_z(self.entry.published),
            "updated_at": iso_z(self.entry.updated) if self.entry.updated else None,
            "dateline": self.dateline,
            "body": blocks,
            "body_text": "\n\n".join(block["text"] for block in blocks),
            "sources": sources_of(self.blocks),
            "images": [
                {"url": image.url, "caption": image.caption, "is_cover": self.has_cover and i == 0}
                for i, image in enumerate(self.images)
            ],
            "media": [{"url": m.url, "type": m.type} for m in self.media],
        }


def tags_of(keywords: str) -> list[str]:
    """
    >>> tags_of(" 国际,人权 , 外交,人权,")
    ['国际', '人权', '外交']
    """
    return list(dict.fromkeys(word.strip() for word in keywords.split(",") if word.strip()))


def sources_of(blocks: list[Block]) -> list[str]:
    """The agencies named by the attribution line, e.g. "(本文依据了美联社、法新社的报道)"."""
    for block in reversed(blocks):
        match = _ATTRIBUTION.search(block.text)
        if match:
            return match["agencies"].split("、")
    return []
