"""End-to-end: `scrapy crawl voa -s NEWSCRAWL_RENDER_JS=true` renders article pages in a real
headless Chromium, against the replica on 127.0.0.1, and nothing the browser does leaves it.

In a replay, each browser context sends everything but the replay origin to the proxy
``NEWSCRAWL_RENDER_REPLAY_PROXY``; here that is a trap on loopback that records what reaches it,
so "nothing left the machine" is asserted rather than assumed.
"""

from __future__ import annotations

import math
import shutil
import socket
import threading
from collections.abc import Iterator

import pytest

from newscrawl.rendering import BROWSER_UNAVAILABLE
from newscrawl.replica import FaultPlan, serve
from tests.crawling import COMPARED_FIELDS, extracted, run_crawl

RENDER = {"NEWSCRAWL_RENDER_JS": "true"}
PAGES_PER_CONTEXT = 5  # small, so that the crawl recycles contexts


class Trap:
    """A TCP listener on loopback that keeps the first line of every connection made to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.socket.getsockname()[1]
        self.caught: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed
                return
            with connection:
                connection.settimeout(5)
                self.caught.append(connection.recv(4096).split(b"\r\n", 1)[0].decode("latin-1"))


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    if not shutil.which("chromium"):
        pytest.fail("Chromium not found: run scripts/install.sh or apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    trap = Trap()
    yield trap
    trap.socket.close()


@pytest.fixture(scope="module")
def rendered_crawl(replica, trap, tmp_path_factory):
    _, base_url = replica
    settings = {**RENDER, "NEWSCRAWL_RENDER_REPLAY_PROXY": trap.url, "NEWSCRAWL_RENDER_PAGES_PER_CONTEXT": PAGES_PER_CONTEXT}
    return run_crawl(tmp_path_factory.mktemp("rendered"), base_url=base_url, settings=settings)


def test_rendered_crawl_finishes_cleanly(rendered_crawl, trap):
    assert rendered_crawl.returncode == 0, rendered_crawl.log[-3000:]
    assert rendered_crawl.stats["finish_reason"] == "finished"
    assert rendered_crawl.stat("log_count/ERROR") == 0, rendered_crawl.log[-3000:]
    assert trap.caught == []


def test_articles_are_rendered_by_one_browser(rendered_crawl, replica):
    site, _ = replica
    assert rendered_crawl.stat("playwright/browser_count") == 1
    # Every article page (those that answer 404/410/503 too) and nothing else is a browser document.
    documents = rendered_crawl.stat("playwright/response_count/resource_type/document")
    assert documents >= len(list(site.truths()))
    assert documents == rendered_crawl.stat("playwright/request_count/navigation")
    assert documents < rendered_crawl.stat("downloader/response_count")  # feeds, sitemaps, robots.txt: plain HTTP
    assert rendered_crawl.stat("playwright/page_count/closed") == 0  # the middleware closes them, not the handler


def test_contexts_are_recycled(rendered_crawl):
    pages = rendered_crawl.stat("playwright/page_count")
    assert rendered_crawl.stat("playwright/context_count") == math.ceil(pages / PAGES_PER_CONTEXT) > 1
    assert rendered_crawl.stat("playwright/context_count/max_concurrent") <= 2


def test_the_browser_requests_nothing_but_the_article_document(rendered_crawl):
    navigations = rendered_crawl.stat("playwright/request_count/navigation")
    # The pages ask for images and more: refused. (A request still pending when its page
    # closes is neither made nor counted as aborted, hence no exact sum.)
    assert rendered_crawl.stat("playwright/request_count/resource_type/image") > 0
    assert 0 < rendered_crawl.stat("playwright/request_count/aborted") <= rendered_crawl.stat("playwright/request_count") - navigations
    assert rendered_crawl.stat("playwright/response_count") == navigations
    assert rendered_crawl.stat("playwright/response_count/resource_type/document") == navigations


def test_rendered_items_equal_the_replica_truth(rendered_crawl, replica):
    site, _ = replica
    truths = {t["article_id"]: t for t in site.truths()}
    assert sorted(item["article_id"] for item in rendered_crawl.items) == sorted(truths)
    for item in rendered_crawl.items:
        for field in COMPARED_FIELDS:
            assert extracted(item, field) == truths[item["article_id"]][field], (item["article_id"], field)


def test_a_short_link_is_followed_by_scrapy_and_its_target_rendered(replica, trap, tmp_path):
    site, base_url = replica
    ident = site.article_ids()[0]
    short_link = f"https://www.voachinese.com/a/{ident}.html"
    settings = {**RENDER, "NEWSCRAWL_RENDER_REPLAY_PROXY": trap.url}
    crawl = run_crawl(tmp_path, "-a", f"start_urls={short_link}", base_url=base_url, settings=settings)
    assert [item["article_id"] for item in crawl.items] == [ident]
    assert crawl.stat("downloader/response_status_count/301") == 1
    assert crawl.stat("playwright/response_count/resource_type/document") == 1
    assert trap.caught == []


def test_a_redirect_off_the_replay_origin_ends_at_the_trap(replica, tmp_path):
    site, _ = replica
    server = serve(site, faults=FaultPlan(["redirect_offsite"], rate=1.0))
    trap = Trap()
    try:
        url = site.truth(site.article_ids()[0])["url"]
        settings = {**RENDER, "NEWSCRAWL_RENDER_REPLAY_PROXY": trap.url}
        crawl = run_crawl(tmp_path, "-a", f"start_urls={url}", base_url=server.base_url, settings=settings)
    finally:
        server.stop()
        trap.socket.close()
    assert crawl.items == []
    assert trap.caught and all(line.startswith("GET http://example.org/") for line in trap.caught), trap.caught
    assert crawl.stats["finish_reason"] != BROWSER_UNAVAILABLE  # the browser worked; the site misbehaved


def test_a_missing_chromium_stops_the_crawl_before_it_starts(replica, tmp_path):
    _, base_url = replica
    settings = {**RENDER, "NEWSCRAWL_CHROMIUM_PATH": str(tmp_path / "no-chromium")}
    crawl = run_crawl(tmp_path, base_url=base_url, settings=settings)
    assert crawl.returncode != 0
    assert "NEWSCRAWL_RENDER_JS needs Chromium" in crawl.log
    assert "no-chromium" in crawl.log
    assert crawl.stats == {} and crawl.items == []  # nothing was fetched


def test_a_broken_chromium_finishes_the_crawl_with_a_reason(replica, tmp_path):
    site, base_url = replica
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'chromium: cannot start' >&2\nexit 1\n")
    broken.chmod(0o755)
    url = site.truth(site.article_ids()[0])["url"]
    settings = {**RENDER, "NEWSCRAWL_CHROMIUM_PATH": str(broken)}
    crawl = run_crawl(tmp_path, "-a", f"start_urls={url}", base_url=base_url, settings=settings)
    assert crawl.stats["finish_reason"] == BROWSER_UNAVAILABLE
    assert crawl.stats.get("playwright/browser_count") is None
    assert "The browser cannot render pages" in crawl.log
    assert crawl.items == []
