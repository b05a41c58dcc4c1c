"""Deployment to Scrapyd: a real ``scrapyd`` on loopback with basic auth, the project deployed
with ``scrapyd-deploy`` (scrapyd-client), a crawl of the replica scheduled through the HTTP API,
its articles found in the PostgreSQL store."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from newscrawl.replica import ReplicaSite, serve
from tests.crawling import REPO
from tests.servers import free_port

USER, PASSWORD = "newscrawl", "s3cret-for-tests"
TIMEOUT = 180


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """``http://127.0.0.1:<port>/`` of a Scrapyd with basic auth and no items_dir (which would
    override the project's FEEDS)."""
    binary = shutil.which("scrapyd")
    if binary is None:
        pytest.fail("scrapyd not found: pip install -r requirements.txt", pytrace=False)
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\nusername = {USER}\npassword = {PASSWORD}\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\ndbs_dir = {tmp_path / 'dbs'}\n"
        "items_dir =\njobs_dir =\nmax_proc = 2\npoll_interval = 0.5\n"
    )
    log = (tmp_path / "scrapyd.log").open("w")
    process = subprocess.Popen([binary], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: api_get(url, "daemonstatus.json")["status"] == "ok", "Scrapyd to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def api_get(url: str, endpoint: str, **params) -> dict:
    return requests.get(url + endpoint, params=params, auth=(USER, PASSWORD), timeout=10).json()


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (requests.ConnectionError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail(f"waited {TIMEOUT} s for {what}")


def test_a_crawl_scheduled_through_scrapyd_writes_the_store(tmp_path, scrapyd, postgres_database):
    assert requests.get(scrapyd + "daemonstatus.json", timeout=10).status_code == 401, "basic auth is off"
    deploy = subprocess.run(
        ["scrapyd-deploy", "-p", "newscrawl", "-v", "test"], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT,
        env={**os.environ, "SCRAPYD_URL": scrapyd, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD},
    )
    assert deploy.returncode == 0 and '"status": "ok"' in deploy.stdout + deploy.stderr, deploy.stderr
    assert api_get(scrapyd, "listspiders.json", project="newscrawl")["spiders"] == ["voa"]

    site = ReplicaSite(size=20, seed=3)
    with serve(site) as server:
        job = requests.post(scrapyd + "schedule.json", auth=(USER, PASSWORD), timeout=10, data=[
            ("project", "newscrawl"), ("spider", "voa"), ("base_url", server.base_url),
            ("setting", f"NEWSCRAWL_DATABASE_URL={postgres_database}"),
            ("setting", f"NEWSCRAWL_DATA_DIR={tmp_path / 'data'}"),
        ]).json()
        assert job["status"] == "ok", job
        wait_for(lambda: api_get(scrapyd, "status.json", job=job["jobid"])["currstate"] == "finished",
                 "the job to finish")

    with psycopg.connect(postgres_database) as connection:
        stored = {row[0] for row in connection.execute("SELECT article_id FROM articles")}
    assert stored == set(site.article_ids())
    feeds = list((tmp_path / "data" / "feeds").glob("voa-*.jsonl"))
    assert len(feeds) == 1, "the project's own feed (Scrapyd's items_dir is off)"
