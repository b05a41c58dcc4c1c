"""Optional rendering of article pages in headless Chromium, through scrapy-playwright.

With ``NEWSCRAWL_RENDER_JS`` on, :class:`RenderingAddon` installs scrapy-playwright's download
handlers and :class:`RenderArticlesMiddleware` sends article pages through the browser, so the
extractor sees the DOM after the page's inline scripts ran. Feeds, sitemaps, listings,
robots.txt and images stay on Scrapy's own HTTP handler.

The browser fetches the article document and nothing else: :func:`abort_request` refuses
every other request (scripts, styles, images, fonts, frames, XHR, a second navigation). What
page routing cannot see is fenced off too. Chromium's resolver knows only the registered
sites' hosts and loopback (:func:`host_resolver_rules`), which stops Chromium's own services.
Chromium follows redirects without asking: short links, which always redirect on Pangea
sites, are fetched by Scrapy, which follows them; and in a replay, each browser context goes
through a dead loopback proxy (``NEWSCRAWL_RENDER_REPLAY_PROXY``) for every host but the
replay origin, so a page can reach nothing but the replay origin.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Request as BrowserRequest
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred

from newscrawl.errors import ConfigurationError
from newscrawl.middlewares import replay_origin
from newscrawl.sites import SITES
from newscrawl.urls import article_id, host_of

logger = logging.getLogger(__name__)

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Root (as everywhere here) needs --no-sandbox; the rest stops Chromium's own traffic. Not
# --disable-features: a second one replaces the list Playwright passes instead of adding to it.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autofill-server-url=http://127.0.0.1:9/",  # a form-autofill query per page with a form
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
BROWSER_UNAVAILABLE = "browser_unavailable"  # the finish reason when the browser cannot render
RENDER_CONTEXT = "newscrawl_render_context"  # request meta: the context this download renders in


@dataclass(frozen=True)
class RenderingConfig:
    """Every ``NEWSCRAWL_RENDER*`` / ``NEWSCRAWL_CHROMIUM_PATH`` setting, read in one place."""

    enabled: bool
    chromium_path: str
    max_contexts: int
    pages_per_context: int
    concurrent_pages: int
    replay_proxy: str
    max_startup_failures: int
    hosts: frozenset[str]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderingConfig:
        config = cls(
            enabled=settings.getbool("NEWSCRAWL_RENDER_JS"),
            chromium_path=settings.get("NEWSCRAWL_CHROMIUM_PATH"),
            max_contexts=settings.getint("NEWSCRAWL_RENDER_MAX_CONTEXTS"),
            pages_per_context=settings.getint("NEWSCRAWL_RENDER_PAGES_PER_CONTEXT"),
            concurrent_pages=settings.getint("NEWSCRAWL_RENDER_CONCURRENT_PAGES"),
            replay_proxy=settings.get("NEWSCRAWL_RENDER_REPLAY_PROXY"),
            max_startup_failures=settings.getint("NEWSCRAWL_RENDER_MAX_STARTUP_FAILURES"),
            hosts=browser_hosts(settings.get("NEWSCRAWL_BASE_URL")),
        )
        if config.enabled and min(config.max_contexts, config.pages_per_context, config.concurrent_pages) < 1:
            raise ConfigurationError("NEWSCRAWL_RENDER_MAX_CONTEXTS, _PAGES_PER_CONTEXT and _CONCURRENT_PAGES must be 1 or more")
        return config

    def playwright_settings(self, download_timeout: float) -> dict:
        """scrapy-playwright's settings for this configuration."""
        return {
            "TWISTED_REACTOR": ASYNCIO_REACTOR,
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": chromium_executable(self.chromium_path),
                "args": [*CHROMIUM_ARGS, host_resolver_rules(self.hosts)],
            },
            "PLAYWRIGHT_ABORT_REQUEST": f"{__name__}.abort_request",
            "PLAYWRIGHT_MAX_CONTEXTS": self.max_contexts,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": self.concurrent_pages,
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


def chromium_executable(path: str) -> str:
    """The Chromium executable ``path`` names (absolute, or a name on PATH), made absolute.

    >>> chromium_executable("sh") == shutil.which("sh")
    True
    >>> chromium_executable("/no/such/chromium")
    Traceback (most recent call last):
    ...
    newscrawl.errors.ConfigurationError: NEWSCRAWL_RENDER_JS needs Chromium, but NEWSCRAWL_CHROMIUM_PATH='/no/such/chromium' is not an executable (install it: apt-get install chromium)
    """
    found = shutil.which(path)
    if not found:
        raise ConfigurationError(
            f"NEWSCRAWL_RENDER_JS needs Chromium, but NEWSCRAWL_CHROMIUM_PATH={path!r} is not an "
            "executable (install it: apt-get install chromium)"
        )
    return found


class RenderingAddon:
    """With ``NEWSCRAWL_RENDER_JS`` on, sets scrapy-playwright up to render in Chromium; it fails
    at start, before anything is fetched, when Chromium is missing."""

    def update_settings(self, settings: BaseSettings) -> None:
        config = RenderingConfig.from_settings(settings)
        if not config.enabled:
            return
        for name, value in config.playwright_settings(settings.getfloat("DOWNLOAD_TIMEOUT")).items():
            settings.set(name, value, priority="addon")
        for scheme in ("http", "https"):
            settings["DOWNLOAD_HANDLERS"].set(scheme, PLAYWRIGHT_HANDLER, priority="addon")


def abort_request(request: BrowserRequest) -> bool:
    """scrapy-playwright's ``PLAYWRIGHT_ABORT_REQUEST``: whether the browser must not make
    ``request``. Only the page's first navigation, in the top frame, is made."""
    try:
        top_frame = request.frame.parent_frame is None and request.frame.url == "about:blank"
    except PlaywrightError:  # a service worker's request has no frame
        return True
    return not (top_frame and request.is_navigation_request() and request.resource_type == "document")


def is_rendered(url: str) -> bool:
    """Whether an article page goes through the browser: article URLs with a slug. A short
    link (``/a/<id>.html``) redirects on Pangea sites, and Chromium would follow the redirect
    itself: Scrapy fetches it and renders where it leads.

    >>> is_rendered("https://www.voachinese.com/a/talks-20250218/7978772.html")
    True
    >>> [is_rendered(u) for u in ("https://www.voachinese.com/a/7978772.html",
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


class RenderArticlesMiddleware:
    """Sends article page requests through the browser (``NEWSCRAWL_RENDER_JS``).

    It also closes each page and recycles contexts (``NEWSCRAWL_RENDER_PAGES_PER_CONTEXT``),
    and it stops a crawl whose browser cannot render: scrapy-playwright fails each browser
    request on its own, and the crawl would go on losing every article. When the browser
    never launched, or ``NEWSCRAWL_RENDER_MAX_STARTUP_FAILURES`` rendered requests failed
    before one succeeded, the crawl finishes with the reason ``browser_unavailable``.
    """

    def __init__(self, crawler: Crawler, config: RenderingConfig):
        self.crawler = crawler
        self.config = config
        self.contexts = ContextGenerations(config.pages_per_context)
        self.context_options: dict = {"service_workers": "block"}
        self.rendered = 0
        self.failed = 0
        self.closing: Deferred | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderArticlesMiddleware:
        config = RenderingConfig.from_settings(crawler.settings)
        if not config.enabled:
            raise NotConfigured("NEWSCRAWL_RENDER_JS is off")
        middleware = cls(crawler, config)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        origin = replay_origin(spider, self.crawler.settings)
        if origin:  # the replay origin only; anything else ends at a closed loopback port
            self.context_options["proxy"] = {"server": self.config.replay_proxy, "bypass": host_of(origin)}

    def process_request(self, request: Request) -> None:
        # Decided anew for every request: a retried or redirected one carries the old meta.
        request.meta["playwright"] = request.method == "GET" and is_rendered(request.url)
        if request.meta["playwright"]:
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
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        if not await self._done(request):
            return
        self.failed += 1
        if self.closing is None and not self.rendered and (
            self.failed >= self.config.max_startup_failures or not self.crawler.stats.get_value("playwright/browser_count")
        ):
            logger.error(
                "The browser cannot render pages (%(path)s): %(error)r; finishing the crawl",
                {"path": self.config.chromium_path, "error": exception},
            )
            self.crawler.stats.set_value("newscrawl/health", BROWSER_UNAVAILABLE)
            # Not awaited: closing waits for the requests in progress, this one among them.
            self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=BROWSER_UNAVAILABLE))

    async def _done(self, request: Request) -> bool:
        """Ends a download this middleware sent to the browser (else returns False): closes
        its page, and the page's context once that served its last page. The page and the
        context name leave the meta, so a retry or redirect copied from it carries neither."""
        context = request.meta.pop(RENDER_CONTEXT, None)
        if context is None:
            return False
        last = self.contexts.give_back(context)
        page: Page | None = request.meta.pop("playwright_page", None)
        try:
            if page is not None:  # None: the browser failed before it opened one
                await page.close()
                if last:
                    await page.context.close()
        except PlaywrightError as exc:  # the browser went away: nothing left to close
            logger.debug("Closing a page of %(url)s: %(error)r", {"url": request.url, "error": exc})
        return True
