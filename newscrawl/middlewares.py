"""Downloader middlewares: replaying a crawl against a copy of the site, and retries with back-off."""

from __future__ import annotations

import asyncio
import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from urllib.parse import urljoin

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.response import response_status_message

from newscrawl.errors import ConfigurationError
from newscrawl.urls import host_of, replace_origin

logger = logging.getLogger(__name__)

REPLAYED_FROM = "newscrawl_replayed_from"  # request meta key: the real URL of a replayed request


class ReplayMiddleware:
    """Sends every request for the site's hosts to a replay origin (``NEWSCRAWL_BASE_URL`` or
    ``-a base_url=``), keeping path and query, and gives responses back their real URL.

    It sits last before the download handler, so robots.txt, redirects, the dupe filter and the
    extractor all work with the site's real URLs and never learn about the replay origin.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.origin = ""
        self.hosts: frozenset[str] = frozenset()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        self.origin = replay_origin(spider, self.crawler.settings)
        self.hosts = spider.site.hosts if hasattr(spider, "site") else frozenset()
        if self.origin:
            logger.info("Replaying %(hosts)s from %(origin)s", {"hosts": sorted(self.hosts), "origin": self.origin})

    def process_request(self, request: Request) -> None:
        if self.origin and host_of(request.url) in self.hosts:
            request.meta[REPLAYED_FROM] = request.url
            # Rewritten in place: a new Request would go back through the scheduler and the
            # offsite filter under the replay origin's host.
            request._set_url(replace_origin(request.url, self.origin))

    def process_response(self, request: Request, response: Response) -> Response:
        real_url = self._restore(request)
        return response.replace(url=real_url) if real_url else response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._restore(request)

    @staticmethod
    def _restore(request: Request) -> str | None:
        real_url = request.meta.pop(REPLAYED_FROM, None)
        if real_url:
            request._set_url(real_url)
        return real_url


def replay_origin(spider: Spider, settings) -> str:
    """The replay origin of a crawl: ``-a base_url=`` else ``NEWSCRAWL_BASE_URL``, validated."""
    return validate_origin(getattr(spider, "base_url", None) or settings.get("NEWSCRAWL_BASE_URL"))


def validate_origin(origin: str | None) -> str:
    """A replay origin must be a bare http(s) origin: scheme, host and port, no path."""
    origin = (origin or "").rstrip("/")
    if origin and not (origin.startswith(("http://", "https://")) and origin.count("/") == 2):
        raise ConfigurationError(f"base_url must look like http://127.0.0.1:8000, got {origin!r}")
    return origin


class Refused(IgnoreRequest):
    """A response the crawler will not follow; ``reason`` names why, for the stats."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class RedirectGuardMiddleware:
    """Refuses redirects off the site's hosts (other hosts, private addresses) and redirect
    loops before Scrapy's redirect middleware follows them, so that the request's errback
    counts the loss with its reason instead of the request vanishing in the offsite or dupe
    filter. It sits above RedirectMiddleware (600) to see the 3xx response first."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        site = getattr(self.crawler.spider, "site", None)
        if site is not None and host_of(target) not in site.hosts:
            raise Refused("redirect_offsite", f"{request.url} -> {target}")
        if target == request.url or target in request.meta.get("redirect_urls", ()):
            raise Refused("redirect_loop", f"{request.url} -> {target}")
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, waiting before each retry: ``Retry-After`` when the server
    sends one, else an exponential back-off (``NEWSCRAWL_RETRY_BACKOFF_BASE`` doubled per
    retry), never more than ``NEWSCRAWL_RETRY_BACKOFF_MAX`` seconds."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(request, retry_after(response))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        retry = super().process_exception(request, exception)
        if retry is not None:
            await self._wait(request, None)
        return retry

    async def _wait(self, request: Request, server_delay: float | None) -> None:
        attempt = request.meta.get("retry_times", 0)
        delay = server_delay if server_delay is not None else self.backoff_base * 2**attempt
        delay = min(max(delay, 0.0), self.backoff_max)
        self.crawler.stats.inc_value("newscrawl/retry/backoff_seconds", delay)
        await asyncio.sleep(delay)


def retry_after(response: Response) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (seconds or an HTTP date)."""
    value = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - datetime.now(timezone.utc)).total_seconds()
