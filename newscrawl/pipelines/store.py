"""Keeps every article in the store, once per version, and lets only what is new go on.

An article stored before with the same ``content_hash`` is dropped here (counted as
``newscrawl/store/unchanged``), so feeds and the archive receive each version once, across
runs. A changed article goes on as its next ``version`` with the ``previous_hash``, once
its save is committed: an article is in the store before it is in a feed.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from newscrawl.items import ArticleItem
from newscrawl.store import ArticleStore, StoreError, crawler_store, crawler_writer
from newscrawl.store.writer import InlineStoreWriter, StoreWriter


class StorePipeline:
    def __init__(self, crawler: Crawler, store: ArticleStore, writer: StoreWriter | InlineStoreWriter):
        self.crawler = crawler
        self.store = store
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        # The crawl's store, shared with the other components that use it; closed when the
        # spider closes (see newscrawl.store.crawler_store).
        return cls(crawler, crawler_store(crawler), crawler_writer(crawler))

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        # In the store's writer thread (a database round trip must not stall the reactor); the
        # item goes on, to the feeds, once its save is committed.
        try:
            result = await maybe_deferred_to_future(self.writer.run(self.store.save, item))
        except StoreError as exc:
            self.crawler.stats.inc_value("newscrawl/store/refused")
            raise DropItem(f"not stored: {exc}") from exc
        self.crawler.stats.inc_value(f"newscrawl/store/{result.status}")
        if not result.written:
            raise DropItem(f"unchanged since version {result.version}", log_level="DEBUG")
        ItemAdapter(item).update(result.item_fields())
        return item
