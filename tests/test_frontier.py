"""The shared frontier's parts (newscrawl.frontier) on a real Redis server."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import scrapy
from scrapy.utils.request import RequestFingerprinter, request_from_dict

from newscrawl.frontier.shared import (
    JSON_REQUESTS, FrontierKeys, LeasedQueue, SharedDupeFilter, UnserializableRequest, redis_client, seed, status,
)
from newscrawl.spiders.voa import FEED_PUBLISHED_AT, VoaSpider
from tests.crawling import REPO

ARTICLE = "https://www.voachinese.com/a/talks-20250218/7978772.html"
KEYS = FrontierKeys("voachinese")


@pytest.fixture
def spider():
    return VoaSpider()


@pytest.fixture
def server(redis_server):
    return redis_client(redis_server.url)


def queue_of(server, spider, worker="w1"):
    return LeasedQueue(server, spider, KEYS.queue, JSON_REQUESTS, keys=KEYS, worker=worker)


def test_a_request_travels_as_json_with_its_callback_meta_and_body(spider):
    published = datetime(2025, 2, 18, 9, 30, tzinfo=timezone.utc)
    request = scrapy.Request(ARTICLE, callback=spider.parse_article, errback=spider.article_failed,
                             meta={FEED_PUBLISHED_AT: published}, body=b"\x00\xff", priority=3)
    data = JSON_REQUESTS.dumps(request.to_dict(spider=spider))
    assert data.startswith(b"{") and b"pickle" not in data
    again = request_from_dict(JSON_REQUESTS.loads(data), spider=spider)
    assert (again.url, again.callback, again.errback, again.body, again.priority) == (
        ARTICLE, spider.parse_article, spider.article_failed, b"\x00\xff", 3)
    assert again.meta[FEED_PUBLISHED_AT] == published


def test_a_request_holding_an_object_is_refused_with_where(spider):
    request = scrapy.Request(ARTICLE, callback=spider.parse, meta={"page": object()})
    with pytest.raises(UnserializableRequest, match=r"request\.meta\.page is a object"):
        JSON_REQUESTS.dumps(request.to_dict(spider=spider))


class WritesAFile:
    def __reduce__(self):
        return (open, ("/tmp/newscrawl-frontier-pwned", "w"))


def test_a_pickle_in_the_queue_is_refused_and_never_run(server, spider):
    server.zadd(KEYS.queue, {pickle.dumps(WritesAFile()): 0})
    with pytest.raises(UnserializableRequest, match="queue entry refused"):
        queue_of(server, spider).pop()
    assert not os.path.exists("/tmp/newscrawl-frontier-pwned")
    assert server.hlen(KEYS.in_flight("w1")) == 0


def test_a_popped_request_stays_in_flight_until_acknowledged(server, spider):
    queue = queue_of(server, spider)
    queue.push(scrapy.Request(ARTICLE, callback=spider.parse_article))
    request = queue.pop()
    assert request.url == ARTICLE and len(queue) == 0
    assert server.hlen(KEYS.in_flight("w1")) == 1
    queue.ack([request])
    assert server.hlen(KEYS.in_flight("w1")) == 0 and not queue.taken


def test_a_dead_workers_requests_go_back_once_its_lease_expires(server, spider):
    dead, alive = queue_of(server, spider, "dead"), queue_of(server, spider, "alive")
    dead.push(scrapy.Request(ARTICLE, callback=spider.parse_article, priority=5))
    server.set(KEYS.lease("dead"), b"1", px=300)
    server.sadd(KEYS.workers, "dead")
    dead.pop()
    assert alive.requeue("dead") == -1, "requeued while its lease was alive"
    time.sleep(0.4)
    assert alive.requeue("dead") == 1
    assert server.smembers(KEYS.workers) == set()
    again = alive.pop()
    assert (again.url, again.priority) == (ARTICLE, 5)


def test_articles_are_seen_by_id_other_requests_by_fingerprint(server, spider):
    seen = SharedDupeFilter(server, KEYS, RequestFingerprinter())
    request = scrapy.Request(ARTICLE)
    assert not seen.request_seen(request)
    assert seen.request_seen(scrapy.Request("https://www.voachinese.com/a/other-slug/7978772.html"))
    assert server.getbit(KEYS.seen_articles, 7978772) == 1
    # A short link redirected to the article's own URL is not the article seen twice.
    redirected = scrapy.Request(ARTICLE, meta={"redirect_urls": ["https://www.voachinese.com/a/7978772.html"]})
    assert not seen.request_seen(redirected)
    feed = scrapy.Request("https://www.voachinese.com/api/zmgqoe$moi")
    assert not seen.request_seen(feed) and seen.request_seen(feed)
    assert {len(member) for member in server.smembers(KEYS.seen_requests)} == {20}


def test_seed_queues_the_sites_sources_and_a_new_run_forgets_what_was_seen(redis_server, spider):
    assert seed(redis_server.url, "voachinese", []) == len(spider.start_urls)
    assert status(redis_server.url, "voachinese")["queued"] == len(spider.start_urls)
    server = redis_client(redis_server.url)
    server.setbit(KEYS.seen_articles, 7978772, 1)
    seed(redis_server.url, "voachinese", [ARTICLE], new_run=True)
    assert server.getbit(KEYS.seen_articles, 7978772) == 1, "the seeded article is marked seen"
    assert status(redis_server.url, "voachinese")["seen_other_requests"] == 0


def test_a_distributed_crawl_refuses_a_sqlite_store(tmp_path, redis_server):
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "voa", "-s", f"NEWSCRAWL_REDIS_URL={redis_server.url}",
         "-s", f"NEWSCRAWL_DATA_DIR={tmp_path}"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "NEWSCRAWL_DATABASE_URL": ""},
    )
    assert done.returncode != 0
    assert "must share one PostgreSQL store: set NEWSCRAWL_DATABASE_URL=postgresql://" in done.stderr
    assert not (tmp_path / "newscrawl.sqlite3").exists()
