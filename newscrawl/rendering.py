"""Rendering pages in headless Chromium, through scrapy-playwright (``NEWSCRAWL_RENDER``).

``auto`` (the default): every page is fetched over plain HTTP first; the spider asks for the
browser (request meta ``newscrawl_render``) for a page that showed that a script builds it
(see :mod:`newscrawl.extract.scripted`) or that the site registry names. ``always``: article
pages too. ``never``: nothing is rendered. :class:`RenderingAddon` installs
:class:`RenderingDownloadHandler`, which is Scrapy's own HTTP handler until the first page
needs the browser: only then are Playwright and scrapy-playwright imported
(:mod:`newscrawl.browser`) and Chromium launched. :class:`RenderMiddleware` routes the requests.

The browser fetches the page document and nothing else: :func:`newscrawl.browser.abort_request` refuses
every other request (scripts, styles, images, fonts, frames, XHR, a second navigation). What
page routing cannot see is fenced off too. Chromium's resolver knows only the registered
sites' hosts and loopback (:func:`host_resolver_rules`), which stops Chromium's own services.
Chromium follows redirects without asking: short links, which always redirect on Pangea
sites, are fetched by Scrapy, which follows them; and in a replay, each browser context goes
through a dead loopback proxy (``NEWSCRAWL_RENDER_REPLAY_PROXY``) for every host but the
replay origin, so a page can reach nothing but the replay origin.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred

from newscrawl.errors import ConfigurationError
from newscrawl.middlewares import replay_origin
from newscrawl.sites import SITES
from newscrawl.urls import article_id, host_of

if TYPE_CHECKING:
    from playwright.async_api import Page

    from newscrawl.browser import BoundedPlaywrightHandler

logger = logging.getLogger(__name__)

RENDERING_HANDLER = f"{__name__}.RenderingDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Root (as everywhere here) needs --no-sandbox; the rest stops Chromium's own traffic. Not
# --disable-features: a second one replaces the list Playwright passes instead of adding to it.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autofill-server-url=http://127.0.0.1:9/",  # a form-autofill query per page with a form
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
BROWSER_UNAVAILABLE = "browser_unavailable"  # the finish reason when the browser cannot render (always)
RENDER = "newscrawl_render"  # request meta: why the crawl asks the browser for this page
RENDER_CONTEXT = "newscrawl_render_context"  # request meta: the context this download renders in
RENDER_RETRIES = "newscrawl_render_retries"  # request meta: how often this page was rendered again
AUTO, ALWAYS, NEVER = "auto", "always", "never"
RENDER_MODES = (AUTO, ALWAYS, NEVER)
CLOSE_TIMEOUT = 10.0  # seconds to close a page or context: a hung browser must not hang the crawl


def render_mode(value: str | None) -> str:
    """A ``NEWSCRAWL_RENDER`` / ``-a render=`` value, checked.

    >>> render_mode(" Never ")
    'never'
    >>> render_mode("yes")
    Traceback (most recent call last):
    ...
    newscrawl.errors.ConfigurationError: NEWSCRAWL_RENDER (or -a render=) must be auto, always or never, not 'yes'
    """
    mode = (value or AUTO).strip().lower()
    if mode not in RENDER_MODES:
        raise ConfigurationError(f"NEWSCRAWL_RENDER (or -a render=) must be auto, always or never, not {value!r}")
    return mode


class NotRendered(IgnoreRequest):
    """A page needed the browser, which is not there: the spider counts it as ``not_rendered``."""

    reason = "not_rendered"


@dataclass(frozen=True)
class RenderingConfig:
    """Every ``NEWSCRAWL_RENDER*`` / ``NEWSCRAWL_CHROMIUM_PATH`` setting, read in one place."""

    mode: str
    chromium_path: str
    max_contexts: int
    pages_per_context: int
    concurrent_pages: int
    replay_proxy: str
    max_startup_failures: int
    retries: int
    hosts: frozenset[str]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderingConfig:
        config = cls(
            mode=render_mode(settings.get("NEWSCRAWL_RENDER")),
            chromium_path=settings.get("NEWSCRAWL_CHROMIUM_PATH"),
            max_contexts=settings.getint("NEWSCRAWL_RENDER_MAX_CONTEXTS"),
            pages_per_context=settings.getint("NEWSCRAWL_RENDER_PAGES_PER_CONTEXT"),
            concurrent_pages=settings.getint("NEWSCRAWL_RENDER_CONCURRENT_PAGES"),
            replay_proxy=settings.get("NEWSCRAWL_RENDER_REPLAY_PROXY"),
            max_startup_failures=settings.getint("NEWSCRAWL_RENDER_MAX_STARTUP_FAILURES"),
            retries=settings.getint("NEWSCRAWL_RENDER_RETRIES"),
            hosts=browser_hosts(settings.get("NEWSCRAWL_BASE_URL")),
        )
        if config.mode != NEVER and min(config.max_contexts, config.pages_per_context, config.concurrent_pages) < 1:
            raise ConfigurationError("NEWSCRAWL_RENDER_MAX_CONTEXTS, _PAGES_PER_CONTEXT and _CONCURRENT_PAGES must be 1 or more")
        return config

    @property
    def slots(self) -> int:
        """Pages rendered at once, over all contexts."""
        return self.max_contexts * self.concurrent_pages

    @property
    def executable(self) -> str | None:
        """The Chromium executable, absolute; None when there is none."""
        return shutil.which(self.chromium_path)

    def missing_browser(self) -> str:
        """What is missing when :attr:`executable` is None, and how to install it."""
        return (
            f"Chromium is not installed: NEWSCRAWL_CHROMIUM_PATH={self.chromium_path!r} is not an executable "
            "(install it: apt-get install chromium, or set NEWSCRAWL_CHROMIUM_PATH to one)"
        )

    def playwright_settings(self, download_timeout: float) -> dict:
        """scrapy-playwright's settings for this configuration."""
        return {
            "TWISTED_REACTOR": ASYNCIO_REACTOR,
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": self.executable,
                "args": [*CHROMIUM_ARGS, host_resolver_rules(self.hosts)],
            },
            "PLAYWRIGHT_ABORT_REQUEST": "newscrawl.browser.abort_request",
            "PLAYWRIGHT_MAX_CONTEXTS": self.max_contexts,
            # RenderMiddleware holds back what exceeds its slots, so that no request waits in
            # the handler for a page of a context: after a browser crash such a wait never ends.
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": self.slots,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": download_timeout * 1000,
        }


def browser_hosts(base_url: str | None) -> frozenset[str]:
    """The hosts the browser may resolve: loopback, every registered site's, and the replay
    origin's when the settings name one (one given as ``-a base_url`` must be on loopback)."""
    sites = (host for site in SITES.values() for host in site.hosts)
    return frozenset({*LOOPBACK_HOSTS, *sites, *([host_of(base_url)] if base_url else [])})


def host_resolver_rules(hosts: Iterable[str]) -> str:
    """A Chromium switch by which no host name but ``hosts`` resolves, nor any IP address but
    those in ``hosts``: whatever asks (a page, a redirect, Chromium's own services such as its
    updater), nothing else can be reached, and no DNS query is made for it.

    >>> host_resolver_rules(["www.voachinese.com", "127.0.0.1"])
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE www.voachinese.com'
    """
    return "--host-resolver-rules=MAP * ~NOTFOUND" + "".join(f", EXCLUDE {host}" for host in sorted(hosts))


class RenderingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, which hands the requests meant for the browser (meta
    ``playwright``) to :class:`newscrawl.browser.BoundedPlaywrightHandler`, built at the first."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        self.browser: BoundedPlaywrightHandler | None = None

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self.browser is None:
            from newscrawl.browser import BoundedPlaywrightHandler  # Playwright's import: here, not in every crawl

            self.browser = BoundedPlaywrightHandler.from_crawler(self.crawler)
        return await self.browser.download_request(request)

    async def close(self) -> None:
        if self.browser is not None:
            await self.browser.close()
        await super().close()


class RenderingAddon:
    """Unless ``NEWSCRAWL_RENDER`` is ``never``, sets scrapy-playwright up to render in Chromium.
    With ``always``, a missing Chromium stops the crawl at start, before anything is fetched;
    with ``auto``, the crawl runs without the browser and :class:`RenderMiddleware` says so
    when the first page needs it."""

    def update_settings(self, settings: BaseSettings) -> None:
        config = RenderingConfig.from_settings(settings)
        if config.mode == NEVER:
            return
        if config.executable is None:
            if config.mode == ALWAYS:
                raise ConfigurationError(f"NEWSCRAWL_RENDER=always needs a browser, but {config.missing_browser()}")
            return
        for name, value in config.playwright_settings(settings.getfloat("DOWNLOAD_TIMEOUT")).items():
            settings.set(name, value, priority="addon")
        for scheme in ("http", "https"):
            settings["DOWNLOAD_HANDLERS"].set(scheme, RENDERING_HANDLER, priority="addon")


def is_article_page(url: str) -> bool:
    """Whether a URL is what ``always`` sends through the browser: article URLs with a slug. A short
    link (``/a/<id>.html``) redirects on Pangea sites, and Chromium would follow the redirect
    itself: Scrapy fetches it and renders where it leads.

    >>> is_article_page("https://www.voachinese.com/a/talks-20250218/7978772.html")
    True
    >>> [is_article_page(u) for u in ("https://www.voachinese.com/a/7978772.html",
    ...     "https://www.voachinese.com/api/", "https://gdb.voanews.com/a8893f07.jpg")]
    [False, False, False]
    """
    return article_id(url) is not None and urlsplit(url).path.count("/") == 3


class ContextGenerations:
    """Names browser contexts so that each serves at most ``size`` pages, and tells when a
    context has served its last page and can be closed (long-lived contexts leak memory).

    >>> contexts = ContextGenerations(2)
    >>> [contexts.take() for _ in range(3)]
    ['articles-0', 'articles-0', 'articles-1']
    >>> contexts.give_back("articles-0"), contexts.give_back("articles-1"), contexts.give_back("articles-0")
    (False, False, True)
    """

    def __init__(self, size: int):
        self.size = size
        self.taken = 0
        self.open: Counter[int] = Counter()

    def take(self) -> str:
        generation = self.taken // self.size
        self.taken += 1
        self.open[generation] += 1
        return f"articles-{generation}"

    def give_back(self, name: str) -> bool:
        """Counts a page of ``name`` as done; True when it was the context's last page."""
        generation = int(name.rsplit("-", 1)[1])
        self.open[generation] -= 1
        return self.open[generation] == 0 and generation < self.taken // self.size


class RenderMiddleware:
    """Sends through the browser the requests the spider marks (meta ``newscrawl_render``) and,
    with ``NEWSCRAWL_RENDER=always``, every article page.

    It also closes each page and recycles contexts (``NEWSCRAWL_RENDER_PAGES_PER_CONTEXT``),
    renders a page again when the browser failed it after having worked (a crash, which
    scrapy-playwright answers by launching a new browser, or a hang, which ends in a navigation
    timeout), up to ``NEWSCRAWL_RENDER_RETRIES`` times, and handles a browser that cannot
    render at all: never launched, or ``NEWSCRAWL_RENDER_MAX_STARTUP_FAILURES`` rendered
    requests failed before one succeeded. With ``auto`` (and when Chromium is missing) one
    ERROR says what is missing and every page that needed the browser fails as
    ``not_rendered``; with ``always`` the crawl finishes with the reason ``browser_unavailable``.
    """

    def __init__(self, crawler: Crawler, config: RenderingConfig):
        self.crawler = crawler
        self.config = config
        self.contexts = ContextGenerations(config.pages_per_context)
        self.context_options: dict = {"service_workers": "block"}
        self.rendered = 0
        self.failed = 0
        self.closing: Deferred | None = None
        self.unavailable: str | None = None if config.executable else config.missing_browser()
        self.reported = False
        self.launched = 0
        self.slots = asyncio.Semaphore(config.slots)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderMiddleware:
        config = RenderingConfig.from_settings(crawler.settings)
        if config.mode == NEVER:
            raise NotConfigured("NEWSCRAWL_RENDER is never")
        middleware = cls(crawler, config)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        origin = replay_origin(spider, self.crawler.settings)
        if origin:  # the replay origin only; anything else ends at a closed loopback port
            self.context_options["proxy"] = {"server": self.config.replay_proxy, "bypass": host_of(origin)}

    def wants_browser(self, request: Request) -> bool:
        return request.method == "GET" and (
            RENDER in request.meta or (self.config.mode == ALWAYS and is_article_page(request.url))
        )

    async def process_request(self, request: Request) -> None:
        # Decided anew for every request: a retried or redirected one carries the old meta.
        request.meta["playwright"] = self.wants_browser(request)
        if not request.meta["playwright"]:
            return
        if self.unavailable:
            request.meta["playwright"] = False
            raise self.not_rendered(request)
        await self.slots.acquire()  # released by _done
        context = self.contexts.take()
        request.meta.update(
            playwright_include_page=True,  # so that this middleware closes the page and its context
            playwright_context=context,
            playwright_context_kwargs=self.context_options,
        )
        request.meta[RENDER_CONTEXT] = context

    async def process_response(self, request: Request, response: Response) -> Response:
        if await self._done(request):
            self.rendered += 1
            self.crawler.stats.inc_value("newscrawl/render/rendered")
        return response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not await self._done(request):
            return None
        from newscrawl.browser import PlaywrightError  # loaded already: this request went to the browser

        self.failed += 1
        if not self.rendered and (
            self.failed >= self.config.max_startup_failures or not self.crawler.stats.get_value("playwright/browser_count")
        ):
            return self.browser_unavailable(request, exception)
        retries = request.meta.get(RENDER_RETRIES, 0)
        # Only a browser that worked is trusted to fail by accident (a navigation the replay
        # proxy refuses fails every time).
        if self.rendered and isinstance(exception, PlaywrightError) and retries < self.config.retries:
            self.crawler.stats.inc_value("newscrawl/render/retried")
            logger.info("Rendering %(url)s again after %(error)r", {"url": request.url, "error": exception})
            retry = request.copy()
            retry.meta[RENDER_RETRIES] = retries + 1
            retry.dont_filter = True
            return retry
        return None

    def browser_unavailable(self, request: Request, exception: Exception) -> None:
        """The browser cannot render: ``auto`` goes on without it, ``always`` finishes the crawl."""
        if self.config.mode == AUTO:
            self.unavailable = self.unavailable or f"the browser {self.config.chromium_path!r} cannot render pages: {exception!r}"
            raise self.not_rendered(request)
        if self.closing is None:
            logger.error(
                "The browser cannot render pages (%(path)s): %(error)r; finishing the crawl",
                {"path": self.config.chromium_path, "error": exception},
            )
            self.crawler.stats.set_value("newscrawl/health", BROWSER_UNAVAILABLE)
            # Not awaited: closing waits for the requests in progress, this one among them.
            self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=BROWSER_UNAVAILABLE))

    def not_rendered(self, request: Request) -> NotRendered:
        """The error for a page the browser cannot render; the first one is logged as an ERROR."""
        if not self.reported:
            self.reported = True
            logger.error(
                "%(url)s needs a browser (a script builds it), but %(problem)s. The crawl goes on; "
                "pages that need the browser are counted as newscrawl/failed/*/not_rendered",
                {"url": request.url, "problem": self.unavailable},
            )
        return NotRendered(f"needs a browser: {self.unavailable}")

    def _count_restarts(self) -> None:
        """scrapy-playwright launches a new browser when one disconnected (crashed)."""
        launched = self.crawler.stats.get_value("playwright/browser_count", 0)
        if self.launched and launched > self.launched:
            self.crawler.stats.inc_value("newscrawl/render/browser_restarts", launched - self.launched)
            logger.warning("The browser was restarted (%(count)d launches so far)", {"count": launched})
        self.launched = launched

    async def _done(self, request: Request) -> bool:
        """Ends a download this middleware sent to the browser (else returns False): closes
        its page, and the page's context once that served its last page. The page and the
        context name leave the meta, so a retry or redirect copied from it carries neither."""
        context = request.meta.pop(RENDER_CONTEXT, None)
        if context is None:
            return False
        from newscrawl.browser import PlaywrightError  # loaded already: this request went to the browser

        self.slots.release()
        self._count_restarts()
        last = self.contexts.give_back(context)
        page: Page | None = request.meta.pop("playwright_page", None)
        try:
            if page is not None:  # None: the browser failed before it opened one
                await asyncio.wait_for(page.close(), CLOSE_TIMEOUT)
                if last:
                    await asyncio.wait_for(page.context.close(), CLOSE_TIMEOUT)
        except (PlaywrightError, asyncio.TimeoutError) as exc:  # the browser went away or hangs
            logger.debug("Closing a page of %(url)s: %(error)r", {"url": request.url, "error": exc})
        return True
