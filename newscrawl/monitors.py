"""Spidermon checks of every crawl, and what a failed check does.

The close monitors (``NewscrawlCloseMonitors``, enabled in the settings) check that a run saw
enough articles, that its items have their fields, that errors, retries and failures stay under
their rates, and that it finished for a good reason. Whatever the outcome, ``RecordMonitorResult``
writes it into the crawl stats (``newscrawl/monitors/...``), which the stats file carries to the
scheduler's run report; when a check fails, ``WebhookAlert`` POSTs it as JSON to
``NEWSCRAWL_ALERT_WEBHOOK``. Spidermon logs each failure with its reason.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from urllib.error import URLError

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.monitors import FieldCoverageMonitor, FinishReasonMonitor
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.core.actions import Action
from spidermon.exceptions import SkipAction

from newscrawl.extensions import FAILED_STATS_PREFIX, count_errors

logger = logging.getLogger(__name__)

MONITOR_STATS_PREFIX = "newscrawl/monitors/"
WEBHOOK_TIMEOUT = 10


def articles_seen(stats: dict) -> int:
    """What this run looked at: article pages fetched, and article links skipped as not modified
    since the stored copy (counted per link: a run over an unchanged site fetches nothing and
    emits nothing, yet sees every article it lists, some more than once)."""
    return stats.get("newscrawl/articles/fetched", 0) + stats.get("newscrawl/skipped/not_modified", 0)


def failures_by_reason(stats: dict) -> dict[str, int]:
    """``{"article/http_404": 1, ...}`` from the ``newscrawl/failed/...`` stats."""
    return {k.removeprefix(FAILED_STATS_PREFIX): v for k, v in stats.items() if k.startswith(FAILED_STATS_PREFIX)}


class RateMonitor(Monitor):
    """Base of the checks that compare a setting with a stat or a ratio of stats."""

    longMessage = False  # the check's own message only

    def setting(self, name: str) -> float:
        return self.data.crawler.settings.getfloat(name)

    @property
    def stats(self) -> dict:
        return self.data.stats


@monitors.name("Articles seen")
class ArticlesSeenMonitor(RateMonitor):
    @monitors.name("at least NEWSCRAWL_MONITOR_MIN_ARTICLES articles seen")
    def test_enough_articles_seen(self):
        if self.stats.get("finish_reason") == "shutdown":
            self.skipTest("stopped before its end: the next run resumes it")
        minimum = self.setting("NEWSCRAWL_MONITOR_MIN_ARTICLES")
        seen = articles_seen(self.stats)
        self.assertGreaterEqual(seen, minimum, msg=f"{seen} articles seen (fetched or not modified), expected at least {minimum:g}")


@monitors.name("Error and retry rates")
class RatesMonitor(RateMonitor):
    def requests(self) -> int:
        return max(self.stats.get("downloader/request_count", 0), 1)

    @monitors.name("errors per request at most NEWSCRAWL_MONITOR_MAX_ERROR_RATE")
    def test_error_rate(self):
        errors = self.stats.get("log_count/ERROR", 0) + self.stats.get("downloader/exception_count", 0)
        self.assert_rate("errors (logged errors and download exceptions)", errors, self.requests(), "NEWSCRAWL_MONITOR_MAX_ERROR_RATE")

    @monitors.name("retries per request at most NEWSCRAWL_MONITOR_MAX_RETRY_RATE")
    def test_retry_rate(self):
        retries = self.stats.get("retry/count", 0)
        self.assert_rate("retries", retries, self.requests(), "NEWSCRAWL_MONITOR_MAX_RETRY_RATE")

    @monitors.name("failed articles and sources at most NEWSCRAWL_MONITOR_MAX_FAILURE_RATE per reason")
    def test_failures_by_reason(self):
        seen = max(articles_seen(self.stats), 1)
        limit = self.setting("NEWSCRAWL_MONITOR_MAX_FAILURE_RATE")
        over = {reason: n for reason, n in failures_by_reason(self.stats).items() if n / seen > limit}
        listed = ", ".join(f"{reason} x{n}" for reason, n in sorted(over.items()))
        self.assertFalse(over, msg=f"failures over {limit:.0%} of {seen} articles seen: {listed}")

    def assert_rate(self, what: str, count: int, total: int, setting: str) -> None:
        limit = self.setting(setting)
        self.assertLessEqual(count / total, limit, msg=f"{count} {what} in {total} requests, over {limit:.0%}")


class RecordMonitorResult(Action):
    """Writes the checks' outcome into the crawl stats: ``newscrawl/monitors/passed`` (True or
    False) and ``newscrawl/monitors/failures`` (one "check: why" line per failed check)."""

    def run_action(self):
        stats = self.data.crawler.stats
        failures = monitor_failures(self.result)
        stats.set_value(MONITOR_STATS_PREFIX + "passed", not failures)
        stats.set_value(MONITOR_STATS_PREFIX + "failures", failures)


class WebhookAlert(Action):
    """POSTs the failed checks as JSON to ``NEWSCRAWL_ALERT_WEBHOOK`` (skipped when unset):
    ``{"spider", "site", "finish_reason", "failures": [...], "stats": {...}}``."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    @classmethod
    def from_crawler_kwargs(cls, crawler):
        return {"url": crawler.settings.get("NEWSCRAWL_ALERT_WEBHOOK", "")}

    def run_action(self):
        if not self.url:
            raise SkipAction("NEWSCRAWL_ALERT_WEBHOOK is not set")
        request = urllib.request.Request(
            self.url, data=json.dumps(self.payload(), default=str).encode(), method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "newscrawl-monitor"},
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read()
        except (URLError, OSError) as exc:
            logger.error("The alert webhook %(url)s failed: %(error)s", {"url": self.url, "error": exc})
            raise

    def payload(self) -> dict:
        spider, stats = self.data.spider, self.data.stats
        return {
            "spider": spider.name,
            "site": getattr(getattr(spider, "site", None), "key", None),
            "finish_reason": stats.get("finish_reason"),
            "failures": monitor_failures(self.result),
            "stats": {
                "articles_seen": articles_seen(stats),
                "items": stats.get("item_scraped_count", 0),
                "errors": count_errors(stats),
                "failures_by_reason": failures_by_reason(stats),
            },
        }


def monitor_failures(result) -> list[str]:
    """One "check: why" line per failed check, from the failures' assertion messages."""
    return [f"{failed.item.method_name}: {assertion_message(failed.error)}" for failed in result.monitors_failed_results]


def assertion_message(error: str) -> str:
    """The message of the AssertionError at the end of a check's traceback."""
    last = (error or "").strip().splitlines()[-1:] or [""]
    return last[0].removeprefix("AssertionError: ").strip()


class ConciseMonitorResult(SpiderMonitorResult):
    """Logs each failed check as one ERROR line with its reason, not as a traceback (which
    reads like a crash to whoever greps the log)."""

    def write_errors(self):
        for status in self.step.error_statuses:
            for failed in self.step.items_for_status(status):
                message = assertion_message(failed.error) if failed.error else "(no message)"
                self.log_error(f"{status}: {failed.item.name}: {message}")


class ConciseMonitorRunner(SpiderMonitorRunner):
    def create_result(self):
        return ConciseMonitorResult(self.spider)


class Monitoring(Spidermon):
    """Spidermon's extension, with its suites run by :class:`ConciseMonitorRunner`."""

    def _run_suites(self, spider, suites):
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            ConciseMonitorRunner(spider=spider).run(suite, **data)


class NewscrawlCloseMonitors(MonitorSuite):
    monitors = [
        ArticlesSeenMonitor,
        FieldCoverageMonitor,
        RatesMonitor,
        FinishReasonMonitor,
    ]
    monitors_finished_actions = [RecordMonitorResult]
    monitors_failed_actions = [WebhookAlert]
