"""Running the replica and one crawl of it in child processes, and measuring the crawl.

Each crawl gets a replica process of its own (so no crawl finds the replica's page cache warmed
by the one before) and a fresh data directory. Its CPU time and peak memory are the crawl
process's own, from ``wait4``'s rusage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from scrapy.utils.project import get_project_settings

REPO = Path(__file__).resolve().parent.parent
IMAGES_PIPELINE = "newscrawl.pipelines.images.ArticleImagesPipeline"
STORE_FILE = "newscrawl.sqlite3"
# The replica's text: as varied as news, so that near-duplicate work is what a real site makes.
PROSE = ("--prose", "news")
# The same download settings for every crawl, so the ratios compare like with like: loopback
# needs no politeness delay, and one host gets all the concurrency. Everything else (robots.txt
# obeyed, retries with back-off, timeouts, the progress line) stays the project's default.
DOWNLOAD_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}


@dataclass(frozen=True)
class Crawl:
    """One way of crawling: the scrapy command after ``python -m scrapy`` and what counts as an
    article done in its stats."""

    name: str
    command: tuple[str, ...]
    counted: str
    settings: tuple[tuple[str, str], ...] = ()


def pipelines_without(*names: str) -> tuple[tuple[str, str], ...]:
    """The crawl setting ITEM_PIPELINES: the project's, without those whose path names one of ``names``."""
    kept = {path: order for path, order in get_project_settings().getdict("ITEM_PIPELINES").items()
            if not any(name in path for name in names)}
    return (("ITEM_PIPELINES", json.dumps(kept)),)


def crawls() -> list[Crawl]:
    """The crawls, ceiling first: fetch-only, full without images, fetch-only with the images
    fetched too (the ceiling of a crawl that fetches them), full."""
    return [
        Crawl("fetch_only", ("runspider", "bench/fetch_only.py"), "newscrawl/articles/fetched"),
        Crawl("full_no_images", ("crawl", "voa"), "item_scraped_count", pipelines_without(IMAGES_PIPELINE)),
        Crawl("fetch_images", ("runspider", "bench/fetch_only.py", "-a", "images=true"), "newscrawl/articles/fetched"),
        Crawl("full", ("crawl", "voa"), "item_scraped_count"),
    ]


@dataclass
class Measured:
    crawl: str
    n: int
    articles: int
    elapsed_s: float  # Scrapy's elapsed_time_seconds: engine start to close
    wall_s: float  # the whole process, start-up included
    cpu_s: float  # user + system of the crawl process
    peak_rss_mib: float
    store_bytes: int  # the SQLite store (with its -wal/-shm files), 0 without one
    data_bytes: int  # everything under the data directory: store, feed, images
    replica_cpu_s: float
    finish_reason: str

    @property
    def articles_per_min(self) -> float:
        return 60 * self.articles / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def cpu_ms_per_article(self) -> float:
        return 1000 * self.cpu_s / self.articles if self.articles else 0.0

    def record(self) -> dict:
        return {
            **asdict(self),
            "articles_per_min": round(self.articles_per_min, 1),
            "cpu_ms_per_article": round(self.cpu_ms_per_article, 2),
        }


@dataclass
class Usage:
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def wait_measured(process: subprocess.Popen, started: float) -> Usage:
    """Reap ``process`` and read its own rusage (Popen's wait would not give it)."""
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Usage(
        process.returncode, time.perf_counter() - started, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024
    )


@contextmanager
def replica(size: int, *options: str) -> Iterator[tuple[str, list[Usage]]]:
    """A replica of ``size`` articles on loopback, its text as varied as news (and more
    ``options`` of ``python -m newscrawl.replica``): yields its base URL and a list that holds
    its usage once it has stopped."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "newscrawl.replica", "--size", str(size), "--port", "0", *PROSE, *options]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    usage: list[Usage] = []
    try:
        line = process.stdout.readline()  # "serving http://127.0.0.1:PORT"
        if not line.startswith("serving "):
            raise RuntimeError(f"the replica did not start: {line!r}")
        yield line.split()[1], usage
    finally:
        process.terminate()
        usage.append(wait_measured(process, started))
        process.stdout.close()


def scrapy_command(crawl: Crawl, base_url: str, workdir: Path, prefix: tuple[str, ...] = ()) -> list[str]:
    settings = {
        **DOWNLOAD_SETTINGS,
        **dict(crawl.settings),
        "NEWSCRAWL_DATA_DIR": str(workdir / "data"),
        "NEWSCRAWL_STATS_FILE": str(workdir / "stats.json"),
        "LOG_FILE": str(workdir / "crawl.log"),
    }
    command = [*prefix, sys.executable, "-m", "scrapy", *crawl.command, "-a", f"base_url={base_url}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(crawl: Crawl, size: int, workdir: Path) -> Measured:
    """Crawl a fresh replica of ``size`` articles the ``crawl`` way, in ``workdir``."""
    workdir.mkdir(parents=True)
    with replica(size) as (base_url, replica_usage):
        started = time.perf_counter()
        process = subprocess.Popen(scrapy_command(crawl, base_url, workdir), cwd=REPO, stdout=subprocess.DEVNULL)
        usage = wait_measured(process, started)
    stats = json.loads((workdir / "stats.json").read_text()) if (workdir / "stats.json").exists() else {}
    if usage.returncode or stats.get("finish_reason") != "finished":
        raise RuntimeError(f"{crawl.name} at N={size} failed (exit {usage.returncode}); see {workdir / 'crawl.log'}")
    data = workdir / "data"
    return Measured(
        crawl=crawl.name,
        n=size,
        articles=stats.get(crawl.counted, 0),
        elapsed_s=round(stats["elapsed_time_seconds"], 3),
        wall_s=round(usage.wall_s, 3),
        cpu_s=round(usage.cpu_s, 3),
        peak_rss_mib=round(usage.peak_rss_mib, 1),
        store_bytes=sum(f.stat().st_size for f in data.glob(f"{STORE_FILE}*")),
        data_bytes=sum(f.stat().st_size for f in data.rglob("*") if f.is_file()),
        replica_cpu_s=round(replica_usage[0].cpu_s, 3),
        finish_reason=stats["finish_reason"],
    )
