"""The article item: one record per article, the unit of every feed, store and archive.

Field semantics are the contract with users; ``newscrawl/schema/article.schema.json``
states them formally and the validation pipeline enforces it.
"""

from __future__ import annotations

import scrapy

ARTICLE_KINDS = ("article", "video", "audio", "gallery", "live")
BLOCK_TYPES = ("p", "h2", "h3", "li", "blockquote")


class ArticleItem(scrapy.Item):
    url = scrapy.Field()  # canonical URL on the real host, no tracking query or fragment
    article_id = scrapy.Field()  # the numeric Pangea id, as a string
    site = scrapy.Field()  # site key from newscrawl.sites, e.g. "voachinese"
    language = scrapy.Field()  # as the page declares it, e.g. "zh-Hans"
    direction = scrapy.Field()  # "ltr" or "rtl": the writing direction of the site's language
    kind = scrapy.Field()  # one of ARTICLE_KINDS
    title = scrapy.Field()
    summary = scrapy.Field()  # "" when the page has none
    authors = scrapy.Field()  # list of names
    section = scrapy.Field()  # section name, or None
    tags = scrapy.Field()  # list: split, trimmed, de-duplicated, page order
    published_at = scrapy.Field()  # ISO 8601 UTC with "Z"
    updated_at = scrapy.Field()  # ISO 8601 UTC with "Z", or None
    dateline = scrapy.Field()  # e.g. "AUBURN, Wash.", or None
    body = scrapy.Field()  # list of {"type", "text", "html"} blocks in page order
    body_text = scrapy.Field()  # block texts joined by blank lines
    sources = scrapy.Field()  # agencies named by the attribution line, else []
    images = scrapy.Field()  # list of {"url", "caption", "is_cover", ...}, cover first
    media = scrapy.Field()  # list of {"url", "type"} for video/audio players, else []
    fetched_at = scrapy.Field()  # ISO 8601 UTC with "Z"
    content_hash = scrapy.Field()  # sha256 hex of the normalized title + body
    rendered = scrapy.Field()  # True when the page was read after a browser ran its scripts
    # Set by the pipelines (issue 3)
    version = scrapy.Field()
    previous_hash = scrapy.Field()
    duplicate_of = scrapy.Field()
