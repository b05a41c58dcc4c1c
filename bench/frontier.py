"""Benchmark of the shared frontier (newscrawl.frontier), one command, a few minutes:

    python3 bench/frontier.py [--count 200000] [--size 1000]

1. Redis memory per million requests, pushed synthetically into a fresh Redis: queued article
   requests (JSON, as the workers queue them; pickled, as scrapy-redis does by default), the
   seen-set of article ids (bitmap) and of other requests (binary fingerprints), and
   scrapy-redis's own seen-set (SHA-1 hex strings) for comparison.
2. Pages per minute of one and of two workers crawling a replica of ``--size`` articles from
   one Redis into one PostgreSQL store (images included; downloads unthrottled, 16 at once).

Prints a Markdown report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import scrapy
from scrapy.utils.request import RequestFingerprinter
from scrapy_redis import picklecompat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newscrawl.frontier.shared import JSON_REQUESTS, FrontierKeys, redis_client  # noqa: E402
from newscrawl.replica import ReplicaSite, serve  # noqa: E402
from newscrawl.spiders.voa import FEED_PUBLISHED_AT, VoaSpider  # noqa: E402
from tests.servers import _admin, running_postgres, running_redis  # noqa: E402

BATCH = 10_000
FIRST_ID = 1_000_000  # Pangea article ids run to about 8 million today
PUBLISHED = datetime(2025, 2, 18, 9, 30, tzinfo=timezone.utc)
CRAWL_SETTINGS = {"AUTOTHROTTLE_ENABLED": "false", "CONCURRENT_REQUESTS": "16",
                  "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "NEWSCRAWL_REDIS_IDLE_CLOSE": "2",
                  "NEWSCRAWL_PROGRESS_INTERVAL": "0", "LOG_LEVEL": "WARNING"}


def article_request(spider: VoaSpider, number: int) -> scrapy.Request:
    url = f"https://www.voachinese.com/a/story-{number}-20250218/{FIRST_ID + number}.html"
    return scrapy.Request(url, callback=spider.parse_article, errback=spider.article_failed,
                          meta={FEED_PUBLISHED_AT: PUBLISHED})


def used_memory(server) -> int:
    return server.info("memory")["used_memory"]


def measure(server, count: int, write) -> float:
    """Bytes of Redis memory per million entries after ``write(pipeline, first, last)`` in batches."""
    server.flushall()
    before = used_memory(server)
    for first in range(0, count, BATCH):
        pipeline = server.pipeline(transaction=False)
        write(pipeline, first, min(first + BATCH, count))
        pipeline.execute()
    return (used_memory(server) - before) * 1_000_000 / count


def memory_report(redis_url: str, count: int) -> list[tuple[str, float]]:
    server = redis_client(redis_url)
    server.config_set("appendonly", "no")
    spider = VoaSpider()
    keys = FrontierKeys("voachinese")
    fingerprinter = RequestFingerprinter()

    def encoded(first, last, dumps):
        return {dumps(article_request(spider, n).to_dict(spider=spider)): 0 for n in range(first, last)}

    rows = [
        ("queue, JSON (newscrawl)", lambda p, a, b: p.zadd(keys.queue, encoded(a, b, JSON_REQUESTS.dumps))),
        ("queue, pickle (scrapy-redis default)", lambda p, a, b: p.zadd(keys.queue, encoded(a, b, picklecompat.dumps))),
        ("seen articles, bitmap of ids (newscrawl)",
         lambda p, a, b: [p.setbit(keys.seen_articles, FIRST_ID + n, 1) for n in range(a, b)]),
        ("seen other requests, 20-byte fingerprints (newscrawl)",
         lambda p, a, b: p.sadd(keys.seen_requests, *(fingerprinter.fingerprint(article_request(spider, n))
                                                      for n in range(a, b)))),
        ("seen-set, SHA-1 hex (scrapy-redis default)",
         lambda p, a, b: p.sadd(keys.seen_requests, *(hashlib.sha1(str(n).encode()).hexdigest()
                                                      for n in range(a, b)))),
    ]
    report = []
    for name, write in rows:
        started = time.monotonic()
        report.append((name, measure(server, count, write), time.monotonic() - started))
    return report


def crawl_rate(workers: int, base_url: str, redis_url: str, database_url: str, workdir: Path) -> dict:
    """Seeds, runs ``workers`` workers to the end, and counts pages and articles per minute."""
    redis_client(redis_url).flushall()
    subprocess.run([sys.executable, "-m", "newscrawl.frontier", "--redis-url", redis_url, "seed"],
                   cwd=REPO, check=True, capture_output=True)
    started = time.monotonic()
    processes = []
    for number in range(workers):
        stats = workdir / f"w{workers}-{number}.json"
        command = [sys.executable, "-m", "scrapy", "crawl", "voa", "-a", f"base_url={base_url}",
                   "-s", f"NEWSCRAWL_REDIS_URL={redis_url}", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}",
                   "-s", f"NEWSCRAWL_DATA_DIR={workdir / f'data{workers}-{number}'}",
                   "-s", f"NEWSCRAWL_STATS_FILE={stats}"]
        for name, value in CRAWL_SETTINGS.items():
            command += ["-s", f"{name}={value}"]
        processes.append((subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL), stats))
    for process, _ in processes:
        process.wait()
    # Each worker waits NEWSCRAWL_REDIS_IDLE_CLOSE seconds (plus up to Scrapy's 5 s idle poll)
    # before it closes: the crawl ended at the last article stored.
    with psycopg.connect(database_url) as connection:
        first, last, articles = connection.execute(
            "SELECT MIN(fetched_at), MAX(fetched_at), COUNT(*) FROM articles").fetchone()
    stats = [json.loads(path.read_text()) for _, path in processes]
    pages = sum(s.get("response_received_count", 0) for s in stats)
    minutes = (_instant(last) - _instant(first)) / 60
    return {"workers": workers, "articles": articles, "pages": pages, "minutes": minutes,
            "wall_s": time.monotonic() - started,
            "per_worker_pages": [s.get("response_received_count", 0) for s in stats]}


def _instant(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="synthetic requests per measurement")
    parser.add_argument("--size", type=int, default=1000, help="replica articles for the crawl rates")
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    with running_redis() as redis_server, running_postgres() as postgres, tempfile.TemporaryDirectory() as tmp:
        memory = memory_report(redis_server.url, args.count)
        site = ReplicaSite(size=args.size, seed=1)
        rates = []
        with serve(site) as replica:
            for workers in (1, 2):
                database = f"bench_frontier_{workers}"
                _admin(postgres, "CREATE DATABASE {}", database)
                rates.append(crawl_rate(workers, replica.base_url, redis_server.url, f"{postgres}/{database}",
                                        Path(tmp)))
    print(f"{os.cpu_count()} cores, load average {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end\n")
    print(f"## Redis memory per million entries ({args.count:,} pushed per row)\n")
    print("| what | MiB per million | push time s |\n|---|---:|---:|")
    for name, per_million, seconds in memory:
        print(f"| {name} | {per_million / 2**20:.1f} | {seconds:.1f} |")
    print(f"\n## Crawl rate, replica of {args.size:,} articles, one Redis, one PostgreSQL\n")
    print("| workers | articles stored | pages fetched (per worker) | minutes first to last article | "
          "articles/min | pages/min |\n|---:|---:|---|---:|---:|---:|")
    for r in rates:
        print(f"| {r['workers']} | {r['articles']:,} | {r['pages']:,} ({', '.join(map(str, r['per_worker_pages']))}) "
              f"| {r['minutes']:.2f} | {r['articles'] / r['minutes']:,.0f} | {r['pages'] / r['minutes']:,.0f} |")


if __name__ == "__main__":
    main()
