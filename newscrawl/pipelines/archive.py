"""Renders each new or changed article into the Markdown archive during a crawl.

Enabled by ``NEWSCRAWL_ARCHIVE_ENABLED``; writes under ``NEWSCRAWL_ARCHIVE_DIR`` (default
``<data dir>/archive``) exactly what ``python -m newscrawl.archive`` would, and rewrites the
archive's index when the crawl ends.
"""

from __future__ import annotations

import logging
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.archive.writer import ArchiveError, ArchiveWriter
from newscrawl.datadir import data_dir
from newscrawl.items import ArticleItem

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, crawler: Crawler, writer: ArchiveWriter):
        self.crawler = crawler
        self.writer = writer
        self.written = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_ARCHIVE_ENABLED"):
            raise NotConfigured
        writer = ArchiveWriter(
            Path(settings.get("NEWSCRAWL_ARCHIVE_DIR") or data_dir(settings) / "archive"),
            image_proxy=settings.get("NEWSCRAWL_ARCHIVE_IMAGE_PROXY", ""),
            image_width=settings.getint("NEWSCRAWL_ARCHIVE_IMAGE_WIDTH") or None,
        )
        pipeline = cls(crawler, writer)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            self.writer.write(ItemAdapter(item).asdict())
        except ArchiveError as exc:
            self.crawler.stats.inc_value("newscrawl/archive/refused")
            logger.warning("Not archived %(url)s: %(reason)s", {"url": item.get("url"), "reason": exc})
            return item
        self.written += 1
        self.crawler.stats.inc_value("newscrawl/archive/written")
        return item

    def spider_closed(self) -> None:
        if self.written:
            self.writer.write_index()
