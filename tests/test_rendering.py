"""newscrawl.rendering without a browser: the abort predicate, the add-on's settings, the
middleware's choices. tests/e2e/test_rendering.py renders in a real Chromium."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newscrawl.browser import abort_request
from newscrawl.errors import ConfigurationError
from newscrawl.rendering import (
    BROWSER_UNAVAILABLE, RENDER, RENDERING_HANDLER, NotRendered, RenderingAddon, RenderMiddleware,
)
from newscrawl.sites import SITES

ARTICLE = "https://www.voachinese.com/a/talks-20250218/7978772.html"


# --- The abort predicate ----------------------------------------------------------------------

@dataclass
class FakeFrame:
    url: str = "about:blank"
    parent_frame: FakeFrame | None = None


@dataclass
class FakeRequest:
    """What abort_request reads of a Playwright request."""

    resource_type: str = "document"
    navigation: bool = True
    frame_url: str = "about:blank"
    in_iframe: bool = False
    from_service_worker: bool = False

    @property
    def frame(self) -> FakeFrame:
        if self.from_service_worker:
            raise PlaywrightError("Service Worker requests do not have an associated frame.")
        return FakeFrame(self.frame_url, FakeFrame() if self.in_iframe else None)

    def is_navigation_request(self) -> bool:
        return self.navigation


def test_only_the_first_top_level_navigation_is_made():
    assert abort_request(FakeRequest()) is False


@pytest.mark.parametrize("request_", [
    FakeRequest(resource_type="image", navigation=False),
    FakeRequest(resource_type="script", navigation=False),
    FakeRequest(resource_type="stylesheet", navigation=False),
    FakeRequest(resource_type="font", navigation=False),
    FakeRequest(resource_type="xhr", navigation=False),
    FakeRequest(resource_type="fetch", navigation=False),
    FakeRequest(resource_type="other", navigation=False),  # favicon, beacons
    FakeRequest(in_iframe=True),  # an iframe's document
    FakeRequest(frame_url=ARTICLE),  # the page navigating away (location.href = ...)
    FakeRequest(from_service_worker=True),
], ids=lambda r: f"{r.resource_type}-nav{r.navigation}-iframe{r.in_iframe}-{r.frame_url[:5]}-sw{r.from_service_worker}")
def test_everything_else_is_aborted(request_):
    assert abort_request(request_) is True


# --- The add-on -------------------------------------------------------------------------------

def addon_settings(**values) -> Settings:
    settings = get_project_settings()
    settings.update(values, priority="cmdline")
    RenderingAddon().update_settings(settings)
    return settings


def test_the_addon_does_nothing_when_rendering_is_never():
    settings = addon_settings(NEWSCRAWL_RENDER="never")
    assert "PLAYWRIGHT_LAUNCH_OPTIONS" not in settings
    assert "https" not in settings.getdict("DOWNLOAD_HANDLERS")


def test_auto_without_chromium_installs_nothing_and_does_not_refuse(tmp_path):
    settings = addon_settings(NEWSCRAWL_CHROMIUM_PATH=str(tmp_path / "no-chromium"))
    assert settings["NEWSCRAWL_RENDER"] == "auto"  # the default
    assert "https" not in settings.getdict("DOWNLOAD_HANDLERS")


def test_an_unknown_mode_is_refused():
    with pytest.raises(ConfigurationError, match="auto, always or never, not 'sometimes'"):
        addon_settings(NEWSCRAWL_RENDER="sometimes")


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_the_addon_sets_up_scrapy_playwright_with_chromium(tmp_path, mode):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    settings = addon_settings(NEWSCRAWL_RENDER=mode, NEWSCRAWL_CHROMIUM_PATH=str(chromium))
    assert settings.getdict("DOWNLOAD_HANDLERS") == {"http": RENDERING_HANDLER, "https": RENDERING_HANDLER}
    assert settings["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert settings["PLAYWRIGHT_BROWSER_TYPE"] == "chromium"
    assert settings["PLAYWRIGHT_ABORT_REQUEST"] == "newscrawl.browser.abort_request"
    assert settings.getint("PLAYWRIGHT_MAX_CONTEXTS") == 2
    assert settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") == 8  # 2 contexts x 4 pages: no request waits in the handler
    assert settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") == 30_000  # DOWNLOAD_TIMEOUT
    launch = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert launch["executable_path"] == str(chromium)
    assert {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"} <= set(launch["args"])
    assert not [arg for arg in launch["args"] if arg.startswith("--disable-features")]
    resolver = launch["args"][-1]
    assert resolver.startswith("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ")
    allowed = set(resolver.split(", EXCLUDE ")[1:])
    assert allowed == {"127.0.0.1", "localhost", *(host for site in SITES.values() for host in site.hosts)}
    assert {"gdb.voanews.com", "www.voachinese.com", "gdb.rferl.org", "www.svoboda.org"} <= allowed


def test_the_defaults_name_the_installed_chromium():
    assert get_project_settings()["NEWSCRAWL_CHROMIUM_PATH"] == shutil.which("chromium")


def test_recycling_needs_at_least_one_page_per_context():
    with pytest.raises(ConfigurationError, match="PAGES_PER_CONTEXT"):
        addon_settings(NEWSCRAWL_RENDER="always", NEWSCRAWL_RENDER_PAGES_PER_CONTEXT="0")


def test_a_replay_origin_in_the_settings_is_resolvable_by_the_browser(tmp_path):
    settings = addon_settings(NEWSCRAWL_RENDER="always", NEWSCRAWL_CHROMIUM_PATH="sh",
                              NEWSCRAWL_BASE_URL="http://mirror.internal:8000")
    assert "EXCLUDE mirror.internal" in settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["args"][-1]


def test_the_addon_refuses_a_missing_chromium(tmp_path):
    with pytest.raises(ConfigurationError, match="NEWSCRAWL_RENDER=always needs a browser.*no-chromium.*apt-get install chromium"):
        addon_settings(NEWSCRAWL_RENDER="always", NEWSCRAWL_CHROMIUM_PATH=str(tmp_path / "no-chromium"))


# --- The middleware ---------------------------------------------------------------------------

class FakeSpider:
    name = "voa"

    def __init__(self, base_url: str = ""):
        self.base_url = base_url


class FakeEngine:
    def __init__(self):
        self.closed_with: list[str] = []

    async def close_spider_async(self, *, reason: str) -> None:
        self.closed_with.append(reason)


def project_crawler(**settings):
    """A crawler with the project's own (NEWSCRAWL_*) settings, and ``settings``."""
    own = {name: value for name, value in get_project_settings().items() if name.startswith("NEWSCRAWL_")}
    return get_crawler(settings_dict={**own, **settings})


def make_middleware(base_url: str = "", **settings) -> RenderMiddleware:
    crawler = project_crawler(**{"NEWSCRAWL_RENDER": "always", "NEWSCRAWL_CHROMIUM_PATH": "sh", **settings})
    crawler.stats.open_spider()
    crawler.engine = FakeEngine()
    middleware = RenderMiddleware.from_crawler(crawler)
    middleware.spider_opened(FakeSpider(base_url))
    return middleware


def rendered(middleware: RenderMiddleware, url: str, method: str = "GET", **meta) -> Request:
    request = Request(url, method=method, meta=meta)
    asyncio.run(middleware.process_request(request))
    return request


def test_the_middleware_is_off_when_rendering_is_never():
    with pytest.raises(NotConfigured):
        RenderMiddleware.from_crawler(project_crawler(NEWSCRAWL_RENDER="never"))


def test_auto_renders_only_the_pages_the_spider_marks():
    middleware = make_middleware(NEWSCRAWL_RENDER="auto")
    assert rendered(middleware, ARTICLE).meta["playwright"] is False
    marked = rendered(middleware, ARTICLE, **{RENDER: "noscript"}).meta
    assert marked["playwright"] is True and marked["playwright_context"] == "articles-0"
    assert rendered(middleware, "https://www.voachinese.com/z/1739", **{RENDER: "noscript"}).meta["playwright"] is True


def test_auto_without_chromium_fails_marked_pages_as_not_rendered_with_one_error(tmp_path, caplog):
    middleware = make_middleware(NEWSCRAWL_RENDER="auto", NEWSCRAWL_CHROMIUM_PATH=str(tmp_path / "no-chromium"))
    assert rendered(middleware, ARTICLE).meta["playwright"] is False  # plain pages are fetched as ever
    for _ in range(3):
        with pytest.raises(NotRendered) as failure:
            rendered(middleware, ARTICLE, **{RENDER: "noscript"})
        assert failure.value.reason == "not_rendered"
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert ARTICLE in errors[0] and "no-chromium" in errors[0] and "apt-get install chromium" in errors[0]


def test_article_pages_go_through_the_browser():
    meta = rendered(make_middleware(), ARTICLE).meta
    assert meta["playwright"] is True
    assert meta["playwright_include_page"] is True
    assert meta["playwright_context"] == "articles-0"
    assert meta["playwright_context_kwargs"] == {"service_workers": "block"}


@pytest.mark.parametrize("url", [
    "https://www.voachinese.com/a/7978772.html",  # a short link: it redirects
    "https://www.voachinese.com/api/",
    "https://www.voachinese.com/sitemap_1.xml.gz",
    "https://www.voachinese.com/z/1739?p=2",
    "https://www.voachinese.com/robots.txt",
    "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w1080.jpg",
])
def test_everything_else_stays_on_plain_http(url):
    assert rendered(make_middleware(), url).meta["playwright"] is False


def test_a_redirected_or_retried_request_is_decided_anew():
    stale = {"playwright": True, "playwright_context": "articles-7"}
    assert rendered(make_middleware(), "https://www.voachinese.com/z/1739", **stale).meta["playwright"] is False
    assert rendered(make_middleware(), ARTICLE, method="POST").meta["playwright"] is False


def test_contexts_are_recycled_after_their_pages():
    middleware = make_middleware(NEWSCRAWL_RENDER_PAGES_PER_CONTEXT=2)
    names = [rendered(middleware, ARTICLE).meta["playwright_context"] for _ in range(5)]
    assert names == ["articles-0", "articles-0", "articles-1", "articles-1", "articles-2"]


def test_in_a_replay_every_other_host_goes_to_the_dead_proxy():
    middleware = make_middleware(base_url="http://127.0.0.1:8123")
    assert rendered(middleware, ARTICLE).meta["playwright_context_kwargs"] == {
        "service_workers": "block",
        "proxy": {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"},
    }


class FakeContext:
    def __init__(self):
        self.closed = False

    async def close(self) -> None:
        self.closed = True


class FakePage:
    def __init__(self, context: FakeContext):
        self.context = context
        self.closed = False

    async def close(self) -> None:
        self.closed = True


def test_pages_are_closed_and_a_spent_context_too():
    middleware = make_middleware(NEWSCRAWL_RENDER_PAGES_PER_CONTEXT=2)
    context = FakeContext()
    first, second, third = (rendered(middleware, ARTICLE) for _ in range(3))
    pages = [FakePage(context) for _ in range(2)]
    for request, page in zip((first, second), pages):
        request.meta["playwright_page"] = page
    response = HtmlResponse(ARTICLE, body=b"<html></html>", flags=["playwright"])
    asyncio.run(middleware.process_response(first, response))
    assert pages[0].closed and not context.closed
    assert "playwright_page" not in first.meta  # a retry must not carry a closed page
    asyncio.run(middleware.process_exception(second, TimeoutError()))
    assert pages[1].closed and context.closed  # articles-0 served its two pages
    assert third.meta["playwright_context"] == "articles-1"


def failures(middleware: RenderMiddleware, count: int) -> None:
    for _ in range(count):
        asyncio.run(middleware.process_exception(rendered(middleware, ARTICLE), RuntimeError("browser")))


def test_a_browser_that_never_launched_finishes_the_crawl_at_once():
    middleware = make_middleware()
    failures(middleware, 1)
    assert middleware.crawler.engine.closed_with == [BROWSER_UNAVAILABLE]
    assert middleware.crawler.stats.get_value("newscrawl/health") == BROWSER_UNAVAILABLE
    failures(middleware, 3)
    assert middleware.crawler.engine.closed_with == [BROWSER_UNAVAILABLE]  # once


def test_a_launched_browser_that_renders_nothing_finishes_the_crawl_after_a_few_failures():
    middleware = make_middleware(NEWSCRAWL_RENDER_MAX_STARTUP_FAILURES=3)
    middleware.crawler.stats.set_value("playwright/browser_count", 1)
    failures(middleware, 2)
    assert middleware.closing is None
    failures(middleware, 1)
    assert middleware.closing is not None


def test_failures_after_a_rendered_page_are_ordinary_failures():
    middleware = make_middleware()
    middleware.crawler.stats.set_value("playwright/browser_count", 1)
    asyncio.run(middleware.process_response(rendered(middleware, ARTICLE), HtmlResponse(ARTICLE, body=b"")))
    failures(middleware, 10)
    assert middleware.closing is None


def test_plain_requests_are_not_the_browsers_failures():
    middleware = make_middleware()
    request = rendered(middleware, "https://www.voachinese.com/api/")
    asyncio.run(middleware.process_exception(request, RuntimeError("connection refused")))
    assert middleware.failed == 0 and middleware.closing is None


def test_auto_goes_on_without_a_browser_that_cannot_start():
    middleware = make_middleware(NEWSCRAWL_RENDER="auto")
    with pytest.raises(NotRendered):
        asyncio.run(middleware.process_exception(rendered(middleware, ARTICLE, **{RENDER: "noscript"}), RuntimeError("browser")))
    assert middleware.closing is None and middleware.crawler.engine.closed_with == []
    with pytest.raises(NotRendered):  # later pages are not sent to the browser at all
        rendered(middleware, ARTICLE, **{RENDER: "noscript"})


def test_a_page_the_browser_failed_after_working_is_rendered_again_and_counted():
    middleware = make_middleware(NEWSCRAWL_RENDER_RETRIES=2)
    middleware.crawler.stats.set_value("playwright/browser_count", 1)
    asyncio.run(middleware.process_response(rendered(middleware, ARTICLE), HtmlResponse(ARTICLE, body=b"")))
    request = rendered(middleware, ARTICLE)
    for attempt in (1, 2):
        request = asyncio.run(middleware.process_exception(request, PlaywrightTimeoutError("hung")))
        assert request.dont_filter and request.meta["newscrawl_render_retries"] == attempt
        asyncio.run(middleware.process_request(request))
    assert asyncio.run(middleware.process_exception(request, PlaywrightError("Target closed"))) is None  # spent
    assert middleware.crawler.stats.get_value("newscrawl/render/retried") == 2


def test_browser_restarts_are_counted():
    middleware = make_middleware()
    stats = middleware.crawler.stats
    for launches in (1, 1, 2, 2, 3):
        stats.set_value("playwright/browser_count", launches)
        asyncio.run(middleware.process_response(rendered(middleware, ARTICLE), HtmlResponse(ARTICLE, body=b"")))
    assert stats.get_value("newscrawl/render/browser_restarts") == 2


def test_renders_beyond_the_slots_wait_in_the_middleware_not_in_the_handler():
    middleware = make_middleware(NEWSCRAWL_RENDER_MAX_CONTEXTS=1, NEWSCRAWL_RENDER_CONCURRENT_PAGES=2)

    async def scenario() -> list[bool]:
        requests = [Request(ARTICLE) for _ in range(3)]
        tasks = [asyncio.ensure_future(middleware.process_request(r)) for r in requests]
        await asyncio.sleep(0)
        passed = [task.done() for task in tasks]
        await middleware.process_response(requests[0], HtmlResponse(ARTICLE, body=b""))
        await asyncio.wait_for(tasks[2], 1)
        return passed

    assert asyncio.run(scenario()) == [True, True, False]
