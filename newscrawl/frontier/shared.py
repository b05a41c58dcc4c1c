"""The shared frontier's parts on Redis (see :mod:`newscrawl.frontier`): scrapy-redis's
scheduler, queue and dupe filter, imported only by a crawl that has ``NEWSCRAWL_REDIS_URL``.

Where scrapy-redis 0.9.1 falls short, its classes are extended here, not replaced:

- its queue pops with no acknowledgement, so a worker killed with requests in memory loses them
  (and the seen-set then blocks them for good). :class:`LeasedQueue` moves each popped request
  into the worker's in-flight hash in the same Lua script; the worker removes it once Scrapy is
  done with the request (its callback's items stored, its new requests queued) and renews a
  lease meanwhile. A live worker puts back the in-flight requests of any worker whose lease
  expired (``kill -9``, a lost machine): at most ``NEWSCRAWL_REDIS_LEASE`` seconds later.
- it pickles requests: whoever can write to Redis could run code in every worker.
  :data:`JSON_REQUESTS` stores them as JSON data and refuses anything else.
- its seen-set keeps a 40-character SHA-1 hex string per request, forever. Here an article
  request sets one bit at its numeric Pangea article id (exact, ``max id / 8`` bytes for the
  whole site), and other requests (feeds, sitemaps, listings, redirects) keep Scrapy's 20-byte
  binary fingerprint.
- Redis going away must not kill a crawl: every command is retried until Redis answers again
  (the worker pauses meanwhile), and with AOF persistence nothing queued is lost.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.request import RequestFingerprinter
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newscrawl.errors import ConfigurationError, NewscrawlError
from newscrawl.urls import article_id

logger = logging.getLogger(__name__)

# Redis refuses bit offsets from 2**32 on; a larger id (none exists today) is fingerprinted.
MAX_BITMAP_ID = 2**32 - 1
# Seconds between retries while Redis does not answer: doubled from the first, up to the cap.
RETRY_FIRST, RETRY_CAP = 0.5, 5.0


class UnserializableRequest(NewscrawlError, TypeError):
    """A request holds something that is not JSON data (an object in meta, a lambda callback)."""


# --- Requests as JSON data ------------------------------------------------------------------

class JsonRequests:
    """scrapy-redis's serializer (``loads``/``dumps``) for request dicts as JSON: bytes and
    datetimes are tagged, anything else is refused, so a queue entry can only ever be data.
    Callbacks travel as spider method names (Scrapy's ``Request.to_dict``)."""

    BYTES, DATETIME = "$bytes", "$datetime"
    # Request.to_dict() fields left out when they hold Request's default (a third of the size).
    DEFAULTS = {"errback": None, "headers": {}, "body": b"", "cookies": {}, "meta": {}, "encoding": "utf-8",
                "flags": [], "cb_kwargs": {}, "dont_filter": False, "method": "GET", "priority": 0}

    def dumps(self, request: dict) -> bytes:
        given = {key: value for key, value in request.items() if self.DEFAULTS.get(key, ...) != value}
        return json.dumps(self._data(given, "request"), ensure_ascii=False, separators=(",", ":")).encode()

    def loads(self, data: bytes) -> dict:
        request = json.loads(data, object_hook=self._tagged)
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            raise UnserializableRequest(f"not a request: {data[:80]!r}")
        return request

    def _data(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, bytes):
            return {self.BYTES: base64.b64encode(value).decode("ascii")}
        if isinstance(value, datetime):
            return {self.DATETIME: value.isoformat()}
        if isinstance(value, (list, tuple)):
            return [self._data(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {self._key(k, where): self._data(v, f"{where}.{k}") for k, v in value.items()}
        raise UnserializableRequest(f"{where} is a {type(value).__name__}, not JSON data")

    @staticmethod
    def _key(key: Any, where: str) -> str:
        if isinstance(key, bytes):  # header names
            return key.decode("latin-1")
        if isinstance(key, str):
            return key
        raise UnserializableRequest(f"{where} has a {type(key).__name__} key, not a string")

    def _tagged(self, obj: dict) -> Any:
        if len(obj) == 1 and self.BYTES in obj:
            return base64.b64decode(obj[self.BYTES])
        if len(obj) == 1 and self.DATETIME in obj:
            return datetime.fromisoformat(obj[self.DATETIME])
        return obj


JSON_REQUESTS = JsonRequests()


# --- Configuration ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FrontierKeys:
    """The Redis keys of one site's shared crawl."""

    site: str

    def key(self, name: str) -> str:
        return f"newscrawl:{self.site}:{name}"

    @property
    def queue(self) -> str:
        return self.key("requests")

    @property
    def seen_articles(self) -> str:
        return self.key("seen:articles")

    @property
    def seen_requests(self) -> str:
        return self.key("seen:requests")

    @property
    def workers(self) -> str:
        return self.key("workers")

    def in_flight(self, worker: str) -> str:
        return self.key(f"inflight:{worker}")

    def lease(self, worker: str) -> str:
        return self.key(f"lease:{worker}")


class LoggedBackoff(ExponentialBackoff):
    """redis-py's back-off, which also says when Redis stopped answering and remembers it."""

    def __init__(self) -> None:
        super().__init__(cap=RETRY_CAP, base=RETRY_FIRST)
        self.last_failure = float("-inf")

    def compute(self, failures: int) -> float:
        self.last_failure = time.monotonic()
        delay = super().compute(failures)
        if failures == 1 or failures % 20 == 0:
            logger.warning("Redis does not answer (attempt %(n)d); waiting for it, retrying every %(s).1f s",
                           {"n": failures, "s": delay})
        return delay


def redis_client(url: str, backoff: LoggedBackoff | None = None) -> redis.Redis:
    """A client that retries every command until Redis answers (restart, failover)."""
    return redis.Redis.from_url(
        url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=15,
        retry=Retry(backoff or LoggedBackoff(), retries=-1),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


@dataclass(frozen=True)
class FrontierConfig:
    """Every ``NEWSCRAWL_REDIS_*`` setting, read in one place."""

    redis_url: str
    lease: float
    idle_close: float

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> FrontierConfig:
        config = cls(
            redis_url=settings.get("NEWSCRAWL_REDIS_URL") or "",
            lease=settings.getfloat("NEWSCRAWL_REDIS_LEASE"),
            idle_close=settings.getfloat("NEWSCRAWL_REDIS_IDLE_CLOSE"),
        )
        if config.lease <= 0:
            raise ConfigurationError("NEWSCRAWL_REDIS_LEASE must be more than 0 seconds")
        return config


# --- The queue with in-flight requests and leases -----------------------------------------------

# KEYS: queue, in-flight hash. The best request moves to the in-flight hash with its score.
POP_SCRIPT = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return false end
redis.call('ZREM', KEYS[1], best[1])
redis.call('HSET', KEYS[2], best[1], best[2])
return best[1]
"""
# KEYS: queue, in-flight hash, lease, workers; ARGV: worker, "force". Unless forced, only a worker
# whose lease expired gives its in-flight requests back to the queue.
REQUEUE_SCRIPT = """
if ARGV[2] ~= 'force' and redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local entries = redis.call('HGETALL', KEYS[2])
for i = 1, #entries, 2 do redis.call('ZADD', KEYS[1], entries[i + 1], entries[i]) end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
return #entries / 2
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop keeps each request in this worker's in-flight
    hash until :meth:`ack`; :meth:`requeue` gives a dead (or stopping) worker's back."""

    def __init__(self, server, spider, key, serializer=None, *, keys: FrontierKeys, worker: str):
        super().__init__(server, spider, key, serializer)
        self.keys, self.worker = keys, worker
        self._pop = server.register_script(POP_SCRIPT)
        self._requeue = server.register_script(REQUEUE_SCRIPT)
        self.taken: dict[Request, bytes] = {}  # popped, not yet acknowledged

    def push(self, request: Request) -> None:
        self.server.zadd(self.key, {self._encode_request(request): -request.priority})

    def pop(self, timeout: int = 0) -> Request | None:
        data = self._pop(keys=[self.key, self.keys.in_flight(self.worker)])
        if data is None:
            return None
        try:
            request = self._decode_request(data)
        except (UnserializableRequest, ValueError, KeyError) as exc:
            self.server.hdel(self.keys.in_flight(self.worker), data)
            raise UnserializableRequest(f"queue entry refused: {exc}") from exc
        self.taken[request] = data
        return request

    def ack(self, requests: list[Request]) -> None:
        if requests:
            self.server.hdel(self.keys.in_flight(self.worker), *(self.taken.pop(r) for r in requests))

    def requeue(self, worker: str, force: bool = False) -> int:
        """The worker's in-flight requests back in the queue: -1 while its lease is alive."""
        keys = self.keys
        return self._requeue(keys=[self.key, keys.in_flight(worker), keys.lease(worker), keys.workers],
                             args=[worker, "force" if force else ""])


# --- The compact seen-set ---------------------------------------------------------------------

class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis dupe filter with a compact seen-set: one bit per Pangea article id,
    Scrapy's binary request fingerprint (``REQUEST_FINGERPRINTER_CLASS``) for the rest.

    A followed redirect keeps the fingerprint: a short link ``/a/<id>.html`` redirects to the
    article's own URL, whose id the short link has already marked."""

    def __init__(self, server, keys: FrontierKeys, fingerprinter, debug: bool = False):
        super().__init__(server, keys.seen_requests, debug)
        self.articles_key = keys.seen_articles
        self.fingerprinter = fingerprinter

    def request_seen(self, request: Request) -> bool:
        ident = article_id(request.url)
        if ident is not None and int(ident) <= MAX_BITMAP_ID and "redirect_urls" not in request.meta:
            return self.server.setbit(self.articles_key, int(ident), 1) == 1
        return self.server.sadd(self.key, self.fingerprinter.fingerprint(request)) == 0

    def close(self, reason: str = "") -> None:
        """Keeps the seen-set: other workers go on with it (scrapy-redis's deletes it)."""

    def clear(self) -> None:
        self.server.delete(self.key, self.articles_key)


# --- The scheduler ----------------------------------------------------------------------------

class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler on a :class:`LeasedQueue` and a :class:`SharedDupeFilter`,
    which keeps the shared queue and seen-set when a worker closes, renews this worker's lease,
    requeues dead workers' requests, and keeps an idle worker waiting for work."""

    def __init__(self, crawler: Crawler, server: redis.Redis, config: FrontierConfig, backoff: LoggedBackoff):
        super().__init__(server, persist=True, serializer=JSON_REQUESTS)
        self.crawler, self.stats, self.config, self.backoff = crawler, crawler.stats, config, backoff
        self.worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.heartbeat = LoopingCall(self.beat)
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        config = FrontierConfig.from_settings(crawler.settings)
        backoff = LoggedBackoff()
        server = redis_client(config.redis_url, backoff)
        server.ping()
        scheduler = cls(crawler, server, config, backoff)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        keys = FrontierKeys(spider.site.key)
        self.queue = LeasedQueue(self.server, spider, keys.queue, self.serializer, keys=keys, worker=self.worker)
        self.df = SharedDupeFilter(self.server, keys, self.crawler.request_fingerprinter,
                                   self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self.beat()
        self.heartbeat.start(self.config.lease / 3, now=False)
        logger.info("Shared frontier on %(redis)s as worker %(worker)s: %(queued)d requests queued",
                    {"redis": self.server.connection_pool.connection_kwargs.get("host"),
                     "worker": self.worker, "queued": len(self.queue)})

    def close(self, reason: str) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        self.queue.ack(self.finished())
        given_back = self.queue.requeue(self.worker, force=True)
        if given_back:
            logger.info("Gave %(n)d unfinished requests back to the shared queue", {"n": given_back})

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except UnserializableRequest as exc:
            self.stats.inc_value("newscrawl/frontier/unserializable")
            logger.error("Not queued: %(request)s: %(error)s", {"request": request, "error": exc})
            return False

    def next_request(self) -> Request | None:
        self.queue.ack(self.finished())
        try:
            return super().next_request()
        except UnserializableRequest as exc:
            self.stats.inc_value("newscrawl/frontier/unserializable")
            logger.error("%(error)s", {"error": exc})
            return None

    def finished(self) -> list[Request]:
        """Requests this worker took that Scrapy is done with. The engine drops a request from
        its in-progress set only after its callback's output is handled (items through the
        pipelines, new requests queued); Scrapy has no public signal for that moment."""
        slot = self.crawler.engine._slot
        in_progress = slot.inprogress if slot is not None else set()
        return [request for request in self.queue.taken if request not in in_progress]

    def beat(self) -> None:
        """Renews this worker's lease; requeues the requests of workers whose lease expired."""
        keys = self.queue.keys
        self.queue.ack(self.finished())
        self.server.set(keys.lease(self.worker), b"1", px=int(self.config.lease * 1000))
        self.server.sadd(keys.workers, self.worker)
        # Right after an outage every lease may have run out: give the others time to renew.
        if time.monotonic() - self.backoff.last_failure < self.config.lease:
            return
        for other in self.server.smembers(keys.workers):
            other = other.decode()
            if other != self.worker and (count := self.queue.requeue(other)) >= 0:
                self.stats.inc_value("newscrawl/frontier/requeued", count)
                logger.warning("Worker %(worker)s stopped renewing its lease: %(n)d of its requests "
                               "are back in the queue", {"worker": other, "n": count})

    def spider_idle(self) -> None:
        """Waits for work; with ``NEWSCRAWL_REDIS_IDLE_CLOSE``, closes once nothing is queued
        or in flight anywhere for that long."""
        if self.config.idle_close <= 0 or not self.frontier_is_empty():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.config.idle_close:
            raise DontCloseSpider

    def frontier_is_empty(self) -> bool:
        self.queue.ack(self.finished())
        keys = self.queue.keys
        workers = [w.decode() for w in self.server.smembers(keys.workers)]
        return len(self.queue) == 0 and not any(self.server.hlen(keys.in_flight(w)) for w in workers)


# --- Seeding and status -----------------------------------------------------------------------

def _spider(site: str, urls: list[str]):
    from newscrawl.spiders.voa import VoaSpider

    return VoaSpider(site=site, start_urls=",".join(urls))


def seed(redis_url: str, site: str, urls: list[str], new_run: bool = False) -> int:
    """Queues the site's sources (or ``urls``) for the workers; returns how many. ``new_run``
    first forgets what earlier runs saw, so sources and changed articles are read again (the
    store still says which articles are unchanged)."""
    spider = _spider(site, urls)
    keys = FrontierKeys(spider.site.key)
    server = redis_client(redis_url)
    seen = SharedDupeFilter(server, keys, RequestFingerprinter())
    if new_run:
        seen.clear()
    queue = LeasedQueue(server, spider, keys.queue, JSON_REQUESTS, keys=keys, worker="seed")
    for request in spider.source_requests():
        seen.request_seen(request)
        queue.push(request)
    return len(spider.start_urls)


def status(redis_url: str, site: str) -> dict:
    keys = FrontierKeys(site)
    server = redis_client(redis_url)
    workers = sorted(w.decode() for w in server.smembers(keys.workers))
    return {
        "queued": server.zcard(keys.queue),
        "in_flight": {w: server.hlen(keys.in_flight(w)) for w in workers},
        "alive": [w for w in workers if server.exists(keys.lease(w))],
        "seen_articles": server.bitcount(keys.seen_articles),
        "seen_other_requests": server.scard(keys.seen_requests),
        "redis_used_memory": server.info("memory")["used_memory"],
    }
