"""Keeps every article in the store, once per version, and lets only what is new go on.

An article stored before with the same ``content_hash`` is dropped here (counted as
``newscrawl/store/unchanged``), so feeds and the archive receive each version once, across
runs. A changed article goes on as its next ``version`` with the ``previous_hash``.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from newscrawl.items import ArticleItem
from newscrawl.store import ArticleStore, open_store_from_settings

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler, store: ArticleStore):
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler, open_store_from_settings(crawler.settings))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        # Saves run in Scrapy's thread pool: a PostgreSQL round trip must not stall the reactor.
        result = await maybe_deferred_to_future(deferToThread(self.store.save, item))
        self.crawler.stats.inc_value(f"newscrawl/store/{result.status}")
        if not result.written:
            raise DropItem(f"unchanged since version {result.version}", log_level="DEBUG")
        ItemAdapter(item).update(result.item_fields())
        return item

    def spider_closed(self) -> None:
        self.store.close()
        logger.info("Store closed with everything committed")
