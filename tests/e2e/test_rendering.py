"""End-to-end: `scrapy crawl voa` renders pages in a real headless Chromium, against the
replica on 127.0.0.1, and nothing the browser does leaves it.

With the default ``NEWSCRAWL_RENDER=auto``, only the replica's script-built pages go through
the browser; ``always`` renders every article page; no browser at all leaves those pages
counted. In a replay, each browser context sends everything but the replay origin to the proxy
``NEWSCRAWL_RENDER_REPLAY_PROXY``; here that is a trap on loopback that records what reaches
it, so "nothing left the machine" is asserted rather than assumed.
"""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from newscrawl.rendering import BROWSER_UNAVAILABLE
from newscrawl.replica import FaultPlan, ReplicaSite, serve
from newscrawl.replica.pages import SCRIPTED_PAGE_SIZE
from tests.crawling import (
    COMPARED_FIELDS, CRAWL_TIMEOUT, REPO, SEED_DOCUMENT, crawl_command, crawl_result, extracted, run_crawl,
)

RENDER = {"NEWSCRAWL_RENDER": "always"}
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
    assert all(item["rendered"] is True for item in rendered_crawl.items)
    for item in rendered_crawl.items:
        for field in COMPARED_FIELDS:
            assert extracted(item, field) == truths[item["article_id"]][field], (item["article_id"], field)


def test_a_short_link_is_followed_by_scrapy_and_its_target_rendered(replica, trap, tmp_path):
    site, base_url = replica
    ident = site.article_ids()[0]
    short_link = f"https://www.voachinese.com/a/{ident}.html"
    settings = {"NEWSCRAWL_RENDER_REPLAY_PROXY": trap.url}
    crawl = run_crawl(tmp_path, "-a", f"start_urls={short_link}", "-a", "render=always", base_url=base_url, settings=settings)
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


def test_always_with_a_missing_chromium_stops_the_crawl_before_it_starts(replica, tmp_path):
    _, base_url = replica
    settings = {**RENDER, "NEWSCRAWL_CHROMIUM_PATH": str(tmp_path / "no-chromium")}
    crawl = run_crawl(tmp_path, base_url=base_url, settings=settings)
    assert crawl.returncode != 0
    assert "NEWSCRAWL_RENDER=always needs a browser" in crawl.log and "apt-get install chromium" in crawl.log
    assert "no-chromium" in crawl.log
    assert crawl.stats == {} and crawl.items == []  # nothing was fetched


def test_always_with_a_broken_chromium_finishes_the_crawl_with_a_reason(replica, tmp_path):
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


# --- auto (the default): only the pages a script builds -------------------------------------

def broken_chromium(tmp_path):
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'chromium: cannot start' >&2\nexit 1\n")
    broken.chmod(0o755)
    return broken


@pytest.fixture(scope="module")
def scripted_replica():
    """The replica with its script-built pages: a live blog, an article, a script-loaded listing."""
    site = ReplicaSite(size=30, seed=7, seed_documents=(SEED_DOCUMENT,), scripted="some")
    with serve(site) as server:
        yield site, server.base_url


@pytest.fixture(scope="module")
def auto_crawl(scripted_replica, trap, tmp_path_factory):
    _, base_url = scripted_replica
    settings = {"NEWSCRAWL_RENDER_REPLAY_PROXY": trap.url}
    return run_crawl(tmp_path_factory.mktemp("auto"), base_url=base_url, settings=settings)


def test_a_default_crawl_stores_every_article(auto_crawl, scripted_replica, trap):
    site, _ = scripted_replica
    assert auto_crawl.returncode == 0, auto_crawl.log[-3000:]
    assert auto_crawl.stats["finish_reason"] == "finished"
    assert auto_crawl.stat("log_count/ERROR") == 0, auto_crawl.log[-3000:]
    truths = {t["article_id"]: t for t in site.truths()}
    assert sorted(item["article_id"] for item in auto_crawl.items) == sorted(truths)
    assert trap.caught == []


def test_only_the_script_built_pages_are_rendered_and_their_text_is_right(auto_crawl, scripted_replica):
    site, _ = scripted_replica
    scripted = site.scripted_ids()
    assert [site.truth(i)["kind"] for i in scripted] == ["live", "article"]
    assert sorted(i["article_id"] for i in auto_crawl.items if i["rendered"]) == sorted(scripted)
    for ident in scripted:
        item, truth = auto_crawl.item(ident), site.truth(ident)
        for field in COMPARED_FIELDS:
            assert extracted(item, field) == truth[field], (ident, field)
    assert auto_crawl.stat("newscrawl/render/rendered") == len(scripted)
    assert auto_crawl.stat("playwright/response_count/resource_type/document") == len(scripted)
    assert auto_crawl.stat("playwright/request_count/navigation") == len(scripted)
    assert auto_crawl.stat("newscrawl/render/needed/noscript") == auto_crawl.stat("newscrawl/render/needed/scripted_container") == 1
    assert auto_crawl.stat("playwright/browser_count") == 1


def test_the_script_loaded_listing_reaches_every_article_of_its_section(scripted_replica, tmp_path):
    site, _ = scripted_replica
    section = site.scripted_section
    expected = {i for i in site.by_section[section] if i in set(site.article_ids())}
    asked: list[str] = []
    with serve(site) as server:
        respond = server.replica.respond
        server.replica.respond = lambda target: asked.append(target) or respond(target)
        crawl = run_crawl(tmp_path, "-a", f"start_urls={site.site.url(section)}", base_url=server.base_url)
    assert expected <= {item["article_id"] for item in crawl.items}
    # The listing's data endpoint is read as its script reads it, without the browser, to the end.
    pages = -(-len(expected) // SCRIPTED_PAGE_SIZE)
    assert pages >= 3 and [t for t in asked if "/more" in t] == [f"{section}/more?p={n}" for n in range(1, pages)]
    assert crawl.stat("newscrawl/render/rendered") == len(site.scripted_ids())


def test_a_crawl_that_needs_no_browser_never_launches_it_nor_imports_playwright_or_redis(replica, tmp_path):
    """Playwright (and, without NEWSCRAWL_REDIS_URL, the shared frontier's Redis) cost a crawl
    that does not use them nothing, not even their import."""
    _, base_url = replica
    command = crawl_command(tmp_path, base_url=base_url)
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=REPO, capture_output=True, text=True,
                          timeout=CRAWL_TIMEOUT)
    crawl = crawl_result(tmp_path, done.returncode, done.stderr)
    assert crawl.stats["finish_reason"] == "finished" and crawl.items
    assert "playwright/browser_count" not in crawl.stats
    assert not [item for item in crawl.items if item["rendered"]]
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "scrapy.core.downloader.handlers.http11" in imported  # the import times were read
    unused = ("playwright", "scrapy_playwright", "redis", "scrapy_redis")
    assert not {name for name in imported if name.split(".")[0] in unused}


def test_never_leaves_script_built_pages_as_failures(scripted_replica, tmp_path):
    site, base_url = scripted_replica
    crawl = run_crawl(tmp_path, "-a", "render=never", base_url=base_url)
    assert sorted(i["article_id"] for i in crawl.items) == sorted(set(site.article_ids()) - set(site.scripted_ids()))
    assert crawl.stat("newscrawl/failed/article/no_body_text") == len(site.scripted_ids())
    assert not [key for key in crawl.stats if key.startswith(("playwright/", "newscrawl/render/"))]


@pytest.mark.parametrize("browser", ["missing", "broken"])
def test_without_a_browser_the_crawl_goes_on_and_counts_the_pages(scripted_replica, tmp_path, browser):
    site, base_url = scripted_replica
    chromium = tmp_path / "no-chromium" if browser == "missing" else broken_chromium(tmp_path)
    crawl = run_crawl(tmp_path, base_url=base_url, settings={"NEWSCRAWL_CHROMIUM_PATH": str(chromium)})
    scripted = site.scripted_ids()
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.stats["finish_reason"] == "pages_left_unrendered"
    assert sorted(i["article_id"] for i in crawl.items) == sorted(set(site.article_ids()) - set(scripted))
    assert crawl.stat("newscrawl/failed/article/not_rendered") == len(scripted)
    logged = [line for line in crawl.log.splitlines() if "] ERROR: " in line]
    # The monitors' finish-reason check alerts too, once the crawl's stats are closed.
    alerts = [line for line in logged if 'Finished with "pages_left_unrendered"' in line]
    errors = [line for line in logged if line not in alerts]
    assert len(alerts) == 1, logged
    assert len(errors) == crawl.stat("log_count/ERROR") == 2, errors  # the browser's, then the finish reason's
    assert "needs a browser" in errors[0] and str(chromium) in errors[0]
    assert ("apt-get install chromium" in errors[0]) == (browser == "missing")
    assert "pages_left_unrendered" in errors[1]
    for ident in scripted:
        assert f"Lost article {site.truth(ident)['url']}: not_rendered" in crawl.log


def test_a_browser_that_crashes_mid_crawl_is_restarted_and_no_page_is_lost(tmp_path):
    """Chromium (through a wrapper that kills it once, a few seconds after its first launch)
    dies while it renders; scrapy-playwright launches another and the pages are rendered."""
    site = ReplicaSite(size=40, seed=3, scripted="all")
    marker = tmp_path / "killed-once"
    wrapper = tmp_path / "chromium"
    wrapper.write_text(
        f"#!/bin/sh\nif [ ! -e {marker} ]; then touch {marker}; (sleep 4; kill -9 $$) & fi\n"
        f"exec {shutil.which('chromium')} \"$@\"\n"
    )
    wrapper.chmod(0o755)
    with serve(site) as server:
        crawl = run_crawl(tmp_path, base_url=server.base_url, settings={
            "NEWSCRAWL_CHROMIUM_PATH": str(wrapper), "AUTOTHROTTLE_ENABLED": "false",
        })
    assert marker.exists()
    assert crawl.stats["finish_reason"] == "finished", crawl.log[-3000:]
    assert sorted(i["article_id"] for i in crawl.items) == sorted(site.article_ids())
    assert all(item["rendered"] for item in crawl.items)
    assert crawl.stat("newscrawl/render/browser_restarts") == 1
    assert crawl.stat("playwright/browser_count") == 2
