"""Crash safety: `kill -9` in the middle of a crawl with a job directory, then the same command
again, ends with every article stored exactly once, the store intact and every feed whole."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from newscrawl.crawl_state import RUNNING_MARK
from newscrawl.replica import ReplicaSite, serve
from tests.crawling import REPO

START_TIMEOUT = 60.0


def wait_for_crawl_start(crawl: subprocess.Popen, job: Path) -> None:
    """Waits until the crawl has opened its job directory: a kill before that is no crash mid-run
    (on a loaded machine start-up alone can outlast the kill's moment)."""
    deadline = time.monotonic() + START_TIMEOUT
    while not (job / RUNNING_MARK).exists():
        assert crawl.poll() is None and time.monotonic() < deadline, "the crawl never opened its job directory"
        time.sleep(0.05)


def test_kill_9_then_the_same_command_again_loses_and_repeats_nothing(tmp_path):
    site = ReplicaSite(size=300, seed=11)
    server = serve(site)
    data = tmp_path / "data"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "voa", "-a", f"base_url={server.base_url}",
        "-s", f"JOBDIR={tmp_path / 'job'}", "-s", f"NEWSCRAWL_DATA_DIR={data}", "-s", "LOG_LEVEL=INFO",
    ]
    seed = int(os.environ.get("NEWSCRAWL_CRASH_SEED", time.time_ns() % 10_000))
    moment = random.Random(seed).uniform(0.5, 3.5)
    try:
        crawl = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_crawl_start(crawl, tmp_path / "job")
        time.sleep(moment)
        assert crawl.poll() is None, f"the crawl ended before the kill, {moment:.1f}s after its start (seed {seed})"
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
        again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    finally:
        server.stop()
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Discarding the request queue of a crawl that did not stop cleanly" in again.stderr

    database = sqlite3.connect(data / "newscrawl.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = [row[0] for row in database.execute("SELECT article_id FROM articles")]
    versions = database.execute("SELECT article_id, COUNT(*) FROM article_versions GROUP BY article_id").fetchall()
    assert sorted(stored) == sorted(site.article_ids()), (seed, set(site.article_ids()) ^ set(stored))
    assert {count for _, count in versions} == {1}, f"an article stored twice (seed {seed})"

    feeds = sorted((data / "feeds").iterdir())
    assert feeds and not [f for f in feeds if f.suffix != ".jsonl"], feeds
    emitted = [json.loads(line)["article_id"] for feed in feeds for line in feed.read_text(encoding="utf-8").splitlines()]
    assert len(emitted) == len(set(emitted)), f"an article in two feeds or twice in one (seed {seed})"
    assert set(emitted) <= set(stored)
