"""Crash-safe crawl state: the request queue and the per-run dupe filter.

JOBDIR is made for clean stops. After a crash (``kill -9``) ``JOBDIR/requests.seen`` survives
while the request queue does not, so requests that were queued but never fetched would stay
"seen" and be lost for good; and the queue files themselves are left half-written, so requests
pushed into them next time can vanish. newscrawl's source of truth is the store instead: a
restarted crawl rediscovers every source and fetches what the store lacks. So the dupe filter
remembers the current run only, and a queue left by a crashed run is discarded.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from scrapy import Spider
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

logger = logging.getLogger(__name__)

RUNNING_MARK = "newscrawl.running"  # in JOBDIR while a crawl runs; left behind by a crash


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's fingerprint dupe filter, in memory only, even with a JOBDIR."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunDupeFilter:
        return cls(
            path=None,
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )


class CrashSafeScheduler(Scheduler):
    """Scrapy's scheduler, which throws away the JOBDIR request queue of a crashed run (a
    clean stop keeps it and resumes from it, as Scrapy does)."""

    def open(self, spider: Spider):
        if self.dqdir:
            queue = Path(self.dqdir)
            mark = queue.parent / RUNNING_MARK
            if mark.exists():
                logger.warning("Discarding the request queue of a crawl that did not stop cleanly: %(queue)s; "
                               "its sources are read again and the store says what is missing", {"queue": queue})
                if self.stats is not None:
                    self.stats.inc_value("newscrawl/scheduler/crashed_queue_discarded")
                shutil.rmtree(queue)
                queue.mkdir()
            mark.touch()
        return super().open(spider)

    def close(self, reason: str):
        result = super().close(reason)
        if self.dqdir:
            (Path(self.dqdir).parent / RUNNING_MARK).unlink(missing_ok=True)
        return result
