"""From a parsed page to an :class:`~newscrawl.items.ArticleItem`.

:class:`ArticleLoader` holds the cleaning rules per field (the processors are the small pure
functions of :mod:`newscrawl.processors`); :func:`load_article` feeds it what the page says,
then what the crawl knows (the site, the fetch time, the feed's date), and says why when a page
cannot make an item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import lxml.etree
from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newscrawl.errors import ExtractionError
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.items import ArticleItem
from newscrawl.languages import direction_of
from newscrawl.processors import clean_text, content_hash, split_tags, to_utc_iso, unique
from newscrawl.sites import Site
from newscrawl.urls import canonical_url

# Fields a page may leave empty, with the value the item then carries.
DEFAULTS: dict[str, Any] = {
    "summary": "",
    "section": None,
    "dateline": None,
    "updated_at": None,
    "authors": [],
    "tags": [],
    "body": [],
    "body_text": "",
    "sources": [],
    "images": [],
    "media": [],
}
# Fields without which a page makes no item, and the reason given then.
REQUIRED = {"article_id": "no article id", "title": "no title", "published_at": "no publication date"}
# Kinds of pages that are items even with little or no text.
MEDIA_KINDS = frozenset({"video", "audio", "gallery"})


def _text_or_none(value: str | None, loader_context: dict) -> str | None:
    return clean_text(value, loader_context.get("language")) or None


def _tags(value: str | None, loader_context: dict) -> list[str]:
    return split_tags(value, loader_context.get("language"))


class ArticleLoader(ItemLoader):
    """Values are cleaned on the way in, by the rules of the ``language`` given in the loader's
    context (the site's); the first usable one wins unless a field is a list."""

    default_item_class = ArticleItem
    default_output_processor = TakeFirst()

    url_in = MapCompose(canonical_url)
    title_in = summary_in = section_in = dateline_in = language_in = MapCompose(_text_or_none)
    authors_in = sources_in = MapCompose(_text_or_none)
    authors_out = sources_out = tags_out = Compose(unique)
    tags_in = MapCompose(_tags)
    published_at_in = updated_at_in = fetched_at_in = MapCompose(to_utc_iso)
    body_out = images_out = media_out = Identity()


def load_article(
    page: PangeaArticle, site: Site, fetched_at: datetime, feed_published_at: datetime | None = None
) -> ArticleItem:
    """The item for an article page, or :class:`ExtractionError` saying why there is none.

    ``direction`` is the site's language's. ``published_at`` is the page's own date (JSON-LD, then ``<time datetime>``), else the
    feed's, else the printed one. Video, audio, gallery and live pages need no text.
    """
    try:
        if not page.is_article():
            raise ExtractionError("not an article page")
        fields = page.fields()
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, lxml.etree.LxmlError) as exc:
        raise ExtractionError(f"unreadable page: {exc!r}") from exc
    loader = ArticleLoader(language=site.language)
    for name, value in fields.items():
        loader.add_value(name, value)
    loader.add_value("site", site.key)
    loader.replace_value("language", site.language)  # the registry's: pages can declare the wrong one
    loader.add_value("direction", direction_of(site.language))
    loader.add_value("fetched_at", fetched_at)
    loader.add_value("published_at", feed_published_at)
    if not loader.get_output_value("published_at"):
        loader.add_value("published_at", page.visible_published_at())
    item = loader.load_item()
    for name, default in DEFAULTS.items():
        item.setdefault(name, default)
    _check(item)
    item["content_hash"] = content_hash(item["title"], item["body_text"])
    return item


def _check(item: ArticleItem) -> None:
    for field, reason in REQUIRED.items():
        if not item.get(field):
            raise ExtractionError(reason)
    if not item["body"] and item["kind"] not in MEDIA_KINDS:
        raise ExtractionError("no body text")
