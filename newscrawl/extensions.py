"""Crawl-wide extensions."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from twisted.internet import task

from newscrawl.datadir import data_dir

logger = logging.getLogger(__name__)

FAILED_STATS_PREFIX = "newscrawl/failed/"


class ProgressLog:
    """Logs a progress line every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds: articles per
    minute (over the last interval and the whole run), queued requests, errors so far."""

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.started = self.last_time = time.monotonic()
        self.last_items = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        interval = crawler.settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = self.last_time = time.monotonic()
        self.loop = task.LoopingCall(self.log)
        self.loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.log()

    def log(self) -> None:
        stats = self.crawler.stats.get_stats()
        items = stats.get("item_scraped_count", 0)
        now = time.monotonic()
        recent_rate = (items - self.last_items) * 60 / max(now - self.last_time, 1e-9)
        overall_rate = items * 60 / max(now - self.started, 1e-9)
        self.last_items, self.last_time = items, now
        logger.info(
            "Progress: %(items)d articles (%(recent).0f/min now, %(overall).0f/min overall), "
            "%(queued)d requests queued, %(errors)d errors",
            {
                "items": items,
                "recent": recent_rate,
                "overall": overall_rate,
                "queued": self.queued(),
                "errors": count_errors(stats),
            },
        )

    def queued(self) -> int:
        engine = self.crawler.engine
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None)
        return len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0


def count_errors(stats: dict) -> int:
    """Errors so far: logged errors, download exceptions and articles that failed."""
    failed = sum(v for k, v in stats.items() if k.startswith(FAILED_STATS_PREFIX))
    return stats.get("log_count/ERROR", 0) + stats.get("downloader/exception_count", 0) + failed


class StatsFile:
    """Writes the crawl stats as JSON when the crawl ends, for scheduled runs and monitoring:
    ``NEWSCRAWL_STATS_FILE``, by default ``<data dir>/stats/<spider>-<UTC timestamp>.json``."""

    def __init__(self, crawler: Crawler, path_template: str):
        self.crawler = crawler
        self.path_template = path_template

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        template = crawler.settings.get("NEWSCRAWL_STATS_FILE") or str(
            data_dir(crawler.settings) / "stats" / "%(name)s-%(time)s.json"
        )
        extension = cls(crawler, template)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        now = datetime.now(timezone.utc).replace(microsecond=0)
        path = Path(self.path_template % {"name": spider.name, "time": now.isoformat().replace(":", "-")})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")


class CrawlHealth:
    """Makes a crawl that "succeeded" with nothing say so. When the crawl is about to finish,
    it checks the stats for the failures that look like success, and if it finds one, logs an
    error and finishes the crawl with a reason that names the problem:

    * ``site_returned_non_articles``: at least ``NEWSCRAWL_HEALTH_MAX_UNEXTRACTABLE_RATIO`` of
      the article pages fetched were not articles (a bot challenge, a "JavaScript is disabled"
      shell, an empty article container), with at least ``NEWSCRAWL_HEALTH_MIN_ARTICLE_PAGES``;
    * ``no_articles_found``: no source listed any article at all (an empty feed, a challenge
      instead of a sitemap, sources that all failed);
    * ``pages_left_unrendered``: pages that needed the browser could not be rendered (no
      Chromium installed, or one that cannot start): ``newscrawl/failed/*/not_rendered``.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.max_ratio = crawler.settings.getfloat("NEWSCRAWL_HEALTH_MAX_UNEXTRACTABLE_RATIO")
        self.min_pages = crawler.settings.getint("NEWSCRAWL_HEALTH_MIN_ARTICLE_PAGES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlHealth:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    def spider_idle(self) -> None:
        problem = self.diagnose(self.crawler.stats.get_stats())
        if problem:
            self.crawler.stats.set_value("newscrawl/health", problem)
            logger.error("The crawl found a problem: %(problem)s", {"problem": problem})
            raise CloseSpider(problem)

    def diagnose(self, stats: dict) -> str | None:
        if stats.get(f"{FAILED_STATS_PREFIX}article/not_rendered") or stats.get(f"{FAILED_STATS_PREFIX}source/not_rendered"):
            return "pages_left_unrendered"
        fetched = stats.get("newscrawl/articles/fetched", 0)
        unextractable = stats.get("newscrawl/articles/unextractable", 0)
        if fetched >= self.min_pages and unextractable >= self.max_ratio * fetched:
            return "site_returned_non_articles"
        found = fetched + stats.get("newscrawl/articles/requested", 0) + stats.get("newscrawl/skipped/not_modified", 0)
        if not found:
            return "no_articles_found"
        return None
