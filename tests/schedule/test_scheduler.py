"""The scheduler end to end: real ``python -m newscrawl.schedule`` processes running real
crawls against the replica on loopback."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newscrawl.replica import FaultPlan, ReplicaSite, serve
from newscrawl.replica.server import Replica
from newscrawl.schedule.lock import RunLock
from newscrawl.store import open_store
from tests.crawling import SEED_DOCUMENT
from tests.schedule.scheduling import health, last, read_feed, reports, run_once, start, wait_for

SIZE, SEED = 12, 7
REVISED = "7900003"


def replica_site(**options) -> ReplicaSite:
    return ReplicaSite(size=SIZE, seed=SEED, seed_documents=(SEED_DOCUMENT,), **options)


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def replica():
    site = replica_site()
    with serve(site) as server:
        yield site, server.base_url


@pytest.fixture(scope="module")
def interval_runs(tmp_path_factory):
    """A scheduler on a 2 s interval with the git archive on, over the replica, which is revised
    once the second run is reported; stopped after the first run that started after that."""
    root = tmp_path_factory.mktemp("interval")
    data, remote = root / "data", root / "remote.git"
    git("init", "--quiet", "--bare", str(remote))
    git("init", "--quiet", str(data / "archive"))
    git("-C", str(data / "archive"), "remote", "add", "origin", str(remote))
    original, revised = replica_site(), replica_site(revised=frozenset({REVISED}))
    env = {**os.environ, "NEWSCRAWL_ARCHIVE_ENABLED": "true", "NEWSCRAWL_ARCHIVE_GIT": "true"}
    with serve(original) as server:
        scheduler = start(data, server.base_url, "--interval", "2", env=env)
        try:
            wait_for(lambda: len(reports(data)) >= 2, what="two runs")
            server.httpd.replica = Replica(revised)
            swapped = reports(data)[-1]["finished"]
            wait_for(lambda: any(r["started"] >= swapped for r in reports(data)[2:]), what="a run after the revision")
            scheduler.send_signal(signal.SIGTERM)
            _, log = scheduler.communicate(timeout=120)
        finally:
            scheduler.kill()
    return data, remote, original, scheduler.returncode, log, swapped


def test_first_run_stores_everything(interval_runs):
    data, _, site, returncode, log, _ = interval_runs
    assert returncode == 0, log[-3000:]
    first = reports(data)[0]
    assert first["status"] == "ok", first
    assert first["articles"]["new"] == len(site.article_ids())
    assert {item["article_id"] for item in read_feed(first)} == set(site.article_ids())
    assert first["finish_reason"] == "finished"
    assert (Path(first["feed"]).parent / f"{first['run']}.md").read_text().startswith(f"# Run {first['run']}: ok")


def test_second_run_finds_nothing_new_and_passes_its_monitors(interval_runs):
    data, *_ = interval_runs
    second = reports(data)[1]
    assert second["status"] == "ok", second
    assert second["articles"]["new"] == second["articles"]["changed"] == 0
    assert second["articles"]["not_modified"] > 0
    assert second["feed"] is None


def test_changed_article_appears_in_the_run_after_the_revision(interval_runs):
    data, _, _, _, _, swapped = interval_runs
    runs = reports(data)
    before = [r for r in runs[1:] if r["started"] < swapped]
    after = next(r for r in runs if r["started"] >= swapped)
    assert all(r["articles"]["new"] == r["articles"]["changed"] == 0 for r in before)
    assert after["status"] == "ok" and after["articles"]["changed"] == 1, after
    assert [(i["article_id"], i["version"]) for i in read_feed(after)] == [(REVISED, 2)]
    assert last(data)["status"] in ("ok", "interrupted")
    assert health(data).returncode == 0


def test_archive_gets_one_commit_per_run_with_news_and_is_pushed(interval_runs):
    data, remote, site, *_ = interval_runs
    runs = [r for r in reports(data) if r["articles"]["new"] or r["articles"]["changed"]]
    log = git("-C", str(remote), "log", "--format=%s", "--name-only", "HEAD").strip()
    subjects = git("-C", str(remote), "log", "--format=%s", "HEAD").splitlines()
    assert subjects == [f"newscrawl run {r['run']}: {r['articles']['new']} new, {r['articles']['changed']} changed"
                        for r in reversed(runs)]
    assert runs[0]["archive"]["pushed"] == "origin"
    assert REVISED in git("-C", str(remote), "show", "--name-only", "--format=", "HEAD"), log
    assert git("-C", str(data / "archive"), "status", "--porcelain") == ""


def test_overlapping_run_is_refused(replica, tmp_path):
    data = tmp_path / "data"
    with RunLock(data):
        done = run_once(data, replica[1])
    assert done.returncode == 75, done.stderr[-2000:]
    assert f"another run holds {data / 'schedule.lock'} (pid {os.getpid()}" in done.stderr
    assert reports(data) == []


def test_stale_lock_of_a_killed_run_does_not_block(replica, tmp_path):
    data = tmp_path / "data"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import os, signal; from pathlib import Path; from newscrawl.schedule.lock import RunLock;"
        f"RunLock(Path({str(data)!r})).acquire(); os.kill(os.getpid(), signal.SIGKILL)")])
    assert holder.wait(timeout=60) == -signal.SIGKILL
    assert json.loads((data / "schedule.lock").read_text())["pid"] == holder.pid  # left behind
    done = run_once(data, replica[1])
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r["status"] for r in reports(data)] == ["ok"]


@pytest.mark.parametrize("sigterms", [1, 2], ids=["sigterm", "second-sigterm"])
def test_sigterm_mid_run_then_restart_stores_every_article_once(replica, tmp_path, sigterms):
    """One SIGTERM: Scrapy's graceful stop keeps the queue and the restart resumes it. A second
    one forces the crawl down: the restart discards the queue and rediscovers what is missing."""
    site, base_url = replica
    data = tmp_path / "data"
    # One request at a time, so that the requests not yet fetched wait in the scheduler's queue
    # (JOBDIR), not in the downloader, which a graceful stop lets finish.
    slow = ("-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS=1")
    scheduler = start(data, base_url, "--once", *slow)
    try:
        wait_for(lambda: stored_count(data) >= 1, what="a stored article")
        for _ in range(sigterms):
            scheduler.send_signal(signal.SIGTERM)
            time.sleep(0.05)
        _, log = scheduler.communicate(timeout=120)
    finally:
        scheduler.kill()
    assert scheduler.returncode == 0, log[-3000:]
    assert log.count("Received signal SIGTERM") == sigterms
    stopped = reports(data)[0]
    assert stopped["status"] == "interrupted", stopped
    assert stored_count(data) < len(site.article_ids())
    if sigterms == 1:
        assert stopped["finish_reason"] == "shutdown"
        assert any((data / "jobs" / "voachinese" / "requests.queue").iterdir()), "the queue was not kept"

    done = run_once(data, base_url)
    assert done.returncode == 0, done.stderr[-3000:]
    resumed = reports(data)[1]
    assert resumed["status"] == "ok", resumed
    if sigterms == 1:
        assert "Resuming crawl" in done.stderr
    emitted = [item["article_id"] for report in reports(data) for item in read_feed(report)]
    assert sorted(emitted) == sorted(site.article_ids())
    with open_store(None, data) as store:
        assert store.count() == len(site.article_ids())
        assert all(len(store.versions(ident)) == 1 for ident in site.article_ids())


def stored_count(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'newscrawl.sqlite3'}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


class AlertReceiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.alerts.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AlertReceiver)
    server.alerts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alert", server.alerts
    server.shutdown()
    server.server_close()


def test_failing_monitor_marks_the_run_failed_turns_health_red_and_alerts(tmp_path, webhook):
    url, alerts = webhook
    data = tmp_path / "data"
    empty_pages = replica_site(faults=FaultPlan(["empty_article"], rate=1.0, seed=1))
    with serve(empty_pages) as server:
        done = run_once(data, server.base_url, env={**os.environ, "NEWSCRAWL_ALERT_WEBHOOK": url})
    assert done.returncode == 1, done.stderr[-3000:]
    report = reports(data)[0]
    assert report["status"] == "failed"
    assert any("site_returned_non_articles" in problem for problem in report["problems"]), report["problems"]
    assert "[Spidermon] FAIL: Finish Reason Monitor" in done.stderr and "Traceback" not in done.stderr
    verdict = health(data)
    assert verdict.returncode == 1
    assert verdict.stdout.startswith("unhealthy: the last run failed") and "site_returned_non_articles" in verdict.stdout
    assert len(alerts) == 1
    content_type, alert = alerts[0]
    assert content_type == "application/json"
    assert alert["site"] == "voachinese" and alert["finish_reason"] == "site_returned_non_articles"
    assert alert["failures"] == report["problems"]
