"""The request dupe filter of one run.

Scrapy's filter keeps its fingerprints in ``JOBDIR/requests.seen``. After a crash (``kill -9``)
that file survives while the queue does not, so requests that were queued but never fetched
would stay "seen" and be lost for good. newscrawl's source of truth is the store instead: a
restarted crawl rediscovers every source and fetches what the store lacks, so the dupe filter
only needs to remember the current run.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's fingerprint dupe filter, in memory only, even with a JOBDIR."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunDupeFilter:
        return cls(
            path=None,
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )
