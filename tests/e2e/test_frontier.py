"""A crawl on a shared frontier (newscrawl.frontier): real ``scrapy crawl`` workers on one Redis
server and one PostgreSQL store, against the replica. Every article ends stored exactly once
and emitted once, whether both workers run to the end, one is killed with ``kill -9``, or Redis
is killed and started again in the middle."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from scrapy.utils.project import get_project_settings

from newscrawl.frontier import shared as frontier
from newscrawl.replica import ReplicaSite, serve
from tests.crawling import CRAWL_TIMEOUT, REPO, Crawl, crawl_command, crawl_result

LEASE = 3.0
# Images are not what these tests are about; without them a crawl has half the requests.
WITHOUT_IMAGES = json.dumps({path: order for path, order in get_project_settings().getdict("ITEM_PIPELINES").items()
                             if not path.endswith("ArticleImagesPipeline")})
# Slow enough that a kill lands in the middle of the crawl.
PACED = {"AUTOTHROTTLE_ENABLED": "false", "CONCURRENT_REQUESTS": "4", "DOWNLOAD_DELAY": "0.05"}


@pytest.fixture(scope="module")
def replica():
    site = ReplicaSite(size=40, seed=5)
    with serve(site) as server:
        yield site, server.base_url


@contextmanager
def workers(tmp_path: Path, base_url: str, redis_url: str, database_url: str, count: int, settings: dict):
    """``count`` worker processes; yields the Popen objects, waits for them on exit."""
    options = {"NEWSCRAWL_REDIS_URL": redis_url, "NEWSCRAWL_DATABASE_URL": database_url,
               "NEWSCRAWL_REDIS_LEASE": str(LEASE), "NEWSCRAWL_REDIS_IDLE_CLOSE": "3",
               "ITEM_PIPELINES": WITHOUT_IMAGES, **settings}
    processes = []
    for number in range(count):
        workdir = tmp_path / f"worker{number}"
        command = crawl_command(workdir, base_url=base_url, settings=options)
        with (workdir / "log").open("w") as log:
            processes.append(subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT))
    try:
        yield processes
        for process in processes:
            process.wait(timeout=CRAWL_TIMEOUT)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def seed(redis_url: str) -> None:
    subprocess.run([sys.executable, "-m", "newscrawl.frontier", "--redis-url", redis_url, "seed"],
                   cwd=REPO, check=True, capture_output=True)


def result(tmp_path: Path, number: int, process: subprocess.Popen) -> Crawl:
    workdir = tmp_path / f"worker{number}"
    return crawl_result(workdir, process.returncode, (workdir / "log").read_text())


def stored_versions(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT article_id, COUNT(*) FROM article_versions GROUP BY article_id").fetchall()
    return dict(rows)


def wait_until_stored(database_url: str, count: int, processes: list) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and all(p.poll() is None for p in processes):
        try:
            if len(stored_versions(database_url)) >= count:
                return
        except psycopg.errors.UndefinedTable:
            pass
        time.sleep(0.2)
    pytest.fail(f"fewer than {count} articles stored before a worker ended or 120 s passed")


def assert_each_article_stored_once(site: ReplicaSite, database_url: str) -> None:
    versions = stored_versions(database_url)
    assert sorted(versions) == sorted(site.article_ids()), set(site.article_ids()) ^ set(versions)
    assert set(versions.values()) == {1}, {a: n for a, n in versions.items() if n != 1}


def emitted(tmp_path: Path) -> list[str]:
    """Article ids in every worker's feed, a killed worker's unfinished one included (without
    the last line if the kill cut it)."""
    ids = []
    for feed in tmp_path.glob("worker*/items.jsonl*"):
        text = feed.read_text(encoding="utf-8")
        ids += [json.loads(line)["article_id"] for line in text[: text.rfind("\n") + 1].splitlines()]
    return ids


def test_two_workers_share_the_crawl_store_each_article_once_and_stop_on_sigterm(
    tmp_path, replica, redis_server, postgres_database
):
    site, base_url = replica
    waiting = {**PACED, "NEWSCRAWL_REDIS_IDLE_CLOSE": "0"}  # wait for work until stopped
    with workers(tmp_path, base_url, redis_server.url, postgres_database, 2, waiting) as processes:
        time.sleep(1)  # workers started before the seed wait for it
        seed(redis_server.url)
        wait_until_stored(postgres_database, len(site.article_ids()), processes)
        wait_for_empty_frontier(redis_server.url)
        for process in processes:
            process.send_signal(signal.SIGTERM)
    crawls = [result(tmp_path, n, p) for n, p in enumerate(processes)]

    for crawl in crawls:
        assert crawl.returncode == 0, crawl.log[-3000:]
        assert crawl.stats["finish_reason"] == "shutdown"
        assert crawl.stat("newscrawl/articles/fetched") > 0, "a worker fetched no article"
        assert "Traceback" not in crawl.log
    assert_each_article_stored_once(site, postgres_database)
    ids = emitted(tmp_path)
    assert sorted(ids) == sorted(site.article_ids()), "an article emitted twice or never"
    assert frontier.status(redis_server.url, "voachinese")["alive"] == [], "a stopped worker still registered"


def wait_for_empty_frontier(redis_url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = frontier.status(redis_url, "voachinese")
        if state["queued"] == 0 and not any(state["in_flight"].values()):
            return
        time.sleep(0.2)
    pytest.fail(f"the frontier still holds work after 60 s: {state}")


def test_kill_9_of_a_worker_loses_and_repeats_nothing(tmp_path, replica, redis_server, postgres_database):
    site, base_url = replica
    seed(redis_server.url)
    with workers(tmp_path, base_url, redis_server.url, postgres_database, 2, PACED) as processes:
        wait_until_stored(postgres_database, 8, processes)
        processes[0].send_signal(signal.SIGKILL)
    survivor = result(tmp_path, 1, processes[1])

    assert processes[0].returncode == -signal.SIGKILL
    assert survivor.returncode == 0, survivor.log[-3000:]
    assert survivor.stat("newscrawl/frontier/requeued") > 0, "the killed worker's requests were not requeued"
    assert "stopped renewing its lease" in survivor.log
    assert_each_article_stored_once(site, postgres_database)
    ids = emitted(tmp_path)
    # The killed worker's feed may lack its last items (buffered in memory): the store has them.
    assert len(ids) == len(set(ids)), "an article emitted twice"
    assert set(ids) <= set(site.article_ids())


def test_redis_killed_and_restarted_mid_crawl_loses_nothing(tmp_path, replica, redis_server, postgres_database):
    site, base_url = replica
    seed(redis_server.url)
    with workers(tmp_path, base_url, redis_server.url, postgres_database, 2, PACED) as processes:
        wait_until_stored(postgres_database, 8, processes)
        redis_server.stop(signal.SIGKILL)  # AOF with fsync on every write: nothing lost
        time.sleep(2 * LEASE)  # longer than a lease: every worker's lease runs out meanwhile
        redis_server.start()
    crawls = [result(tmp_path, n, p) for n, p in enumerate(processes)]

    for crawl in crawls:
        assert crawl.returncode == 0, crawl.log[-3000:]
        assert "Redis does not answer" in crawl.log
    assert_each_article_stored_once(site, postgres_database)
    ids = emitted(tmp_path)
    assert sorted(ids) == sorted(site.article_ids()), "an article emitted twice or never"
