"""The ``voa`` spider: finds every article of a Pangea site through its feeds, sitemaps and
section listings (or the given start URLs) and turns each article page into one item.

A site's registry entry may list feeds, sitemaps and sections; without them (or with
``-a discovery_only=true``) the crawl starts where the site tells its own sources: robots.txt
(its ``Sitemap:`` lines), the home page (navigation to sections, feeds in the head) and the
feed directory ``/rssfeeds``. Either way every listing's sections and feeds are followed.

    scrapy crawl voa                                   # voachinese.com from its registry entry
    scrapy crawl voa -a site=voanews                   # a sibling site, same code
    scrapy crawl voa -a site=svoboda.org               # a site by key or any of its hosts
    scrapy crawl voa -a site=voanews -a discovery_only=true  # ignore the entry's listed sources
    scrapy crawl voa -a start_urls=URL,URL             # any mix of articles, listings, feeds, sitemaps
    scrapy crawl voa -a base_url=http://127.0.0.1:8000 # replay against a copy of the site
    scrapy crawl voa -a since=2025-02-01 -a until=2025-02-28
    scrapy crawl voa -a render=never                   # or auto (the default), always: NEWSCRAWL_RENDER
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone

import scrapy
from parsel import Selector
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip, gzip_magic_number
from twisted.python.failure import Failure

from newscrawl import frontier
from newscrawl.errors import ConfigurationError, ExtractionError
from newscrawl.extract import discovery, scripted
from newscrawl.extract.discovery import Link, SourceError
from newscrawl.extract.encoding import decode_html
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.items import ArticleItem
from newscrawl.loaders import load_article
from newscrawl.rendering import AUTO, NEVER, RENDER, render_mode
from newscrawl.sites import DEFAULT_SITE, get_site
from newscrawl.store import ArticleStore, StoredArticle, crawler_store
from newscrawl.urls import article_id, canonical_url, host_of
from newscrawl.window import DateWindow

logger = logging.getLogger(__name__)

LISTING_PAGE = "newscrawl_listing_page"  # meta: how many listing pages deep this request is
FEED_PUBLISHED_AT = "newscrawl_feed_published_at"  # meta: the article's date in a feed


class VoaSpider(scrapy.Spider):
    name = "voa"

    def __init__(
        self,
        site: str = DEFAULT_SITE,
        start_urls: str = "",
        base_url: str = "",
        since: str = "",
        until: str = "",
        discovery_only: str = "",
        render: str = "",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.site = get_site(site)
        self.base_url = base_url
        self.window = DateWindow.parse(since, until)
        given = [u.strip() for u in start_urls.split(",") if u.strip()]
        self.start_urls = given or self.site.start_urls(discovery_only=parse_flag("discovery_only", discovery_only))
        # Related links on article pages widen a whole-site crawl; a crawl of given URLs or of
        # a date window stays with what its sources list.
        self.whole_site = not given and not self.window.bounded
        self.allowed_domains = sorted(self.site.hosts)
        offsite = [u for u in self.start_urls if host_of(u) not in self.site.hosts]
        if offsite:
            raise ConfigurationError(
                f"start URLs outside {self.site.key} ({', '.join(sorted(self.site.hosts))}): "
                f"{', '.join(offsite)}; use real site URLs and -a base_url=... to replay from a copy"
            )
        self.render = render_mode(render) if render else ""
        self.render_mode = self.render or AUTO  # from_crawler reads NEWSCRAWL_RENDER, which -a render= sets
        self.requested_ids: set[str] = set()
        self.store: ArticleStore | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs) -> VoaSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.render:  # before the add-ons read the settings
            crawler.settings.set("NEWSCRAWL_RENDER", spider.render, priority="cmdline")
        spider.render_mode = render_mode(crawler.settings.get("NEWSCRAWL_RENDER"))
        if frontier.enabled(crawler.settings):  # before a SQLite file is made (add-ons run later)
            frontier.require_shared_store(crawler.settings)
        if crawler.settings.getbool("NEWSCRAWL_INCREMENTAL"):
            spider.store = crawler_store(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if frontier.enabled(self.settings):  # sources come from the shared queue (frontier seed)
            return
        for request in self.source_requests():
            yield request

    def source_requests(self) -> list[scrapy.Request]:
        return [
            scrapy.Request(url, callback=self.parse, errback=self.source_failed, meta=self.registry_render(url))
            for url in self.start_urls
        ]

    # --- Sources: what kind a response is is told from the response itself ---------------

    def parse(self, response: Response) -> Iterator[scrapy.Request | ArticleItem]:
        body = self._body(response)
        if body is None:
            return
        kind = discovery.ROBOTS if discovery.is_robots_txt(response.url) else discovery.source_kind(body)
        self.crawler.stats.inc_value(f"newscrawl/sources/{kind}")
        if kind not in (discovery.HTML, discovery.ROBOTS) and (damage := discovery.xml_damage(body)):
            self.crawler.stats.inc_value("newscrawl/sources/damaged")
            logger.warning("Damaged %(kind)s %(url)s, read as far as it goes: %(damage)s",
                           {"kind": kind, "url": response.url, "damage": damage})
        try:
            if kind == discovery.ROBOTS:
                yield from self.parse_robots(response, body)
            elif kind == discovery.FEED:
                yield from self.parse_feed(response, body)
            elif kind in (discovery.SITEMAP_INDEX, discovery.SITEMAP):
                yield from self.parse_sitemap(body)
            else:
                yield from self.parse_html(response)
        except SourceError as exc:
            self.count_failure("source", f"unreadable_{kind}", response.url, str(exc))

    def parse_robots(self, response: Response, body: bytes) -> Iterator[scrapy.Request]:
        sitemaps = [url for url in discovery.robots_sitemaps(body, response.url) if self.is_on_site(url)]
        if not sitemaps:
            self.crawler.stats.inc_value("newscrawl/sources/robots_without_sitemap")
            logger.warning("robots.txt %(url)s names no sitemap of the site", {"url": response.url})
        for url in sitemaps:
            yield scrapy.Request(url, callback=self.parse, errback=self.source_failed)

    def parse_feed(self, response: Response, body: bytes) -> Iterator[scrapy.Request]:
        links = discovery.feed_links(body)
        if not links:
            self.crawler.stats.inc_value("newscrawl/sources/empty_feed")
            logger.warning("Feed %(url)s lists no item", {"url": response.url})
        yield from self.follow_articles(links, discovery.FEED)

    def parse_sitemap(self, body: bytes) -> Iterator[scrapy.Request]:
        kind, links = discovery.sitemap_links(body)
        if kind == discovery.SITEMAP_INDEX:
            for link in links:
                yield scrapy.Request(link.url, callback=self.parse, errback=self.source_failed)
        else:
            yield from self.follow_articles(links, discovery.SITEMAP)

    def parse_html(self, response: Response) -> Iterator[scrapy.Request | ArticleItem]:
        page = read_page(response, self.site.language)
        if page.is_article():
            yield from self.parse_article(response, page)
        else:
            yield from self.parse_listing(response, page)

    def parse_listing(self, response: Response, page: PangeaArticle) -> Iterator[scrapy.Request]:
        found = discovery.listing(Selector(root=page.root), response.url, self.site.language)
        if not found.articles and (request := self.render_again(response, scripted.script_builds_listing(page))):
            yield request
            return
        if not (found.articles or found.sections or found.feeds):
            self.crawler.stats.inc_value("newscrawl/sources/empty_html")
            logger.warning("Page %(url)s links to no article, section or feed", {"url": response.url})
        yield from self.follow_articles(found.articles, discovery.LISTING)
        for url in [*found.sections, *found.feeds]:
            if self.is_on_site(url):
                yield scrapy.Request(url, callback=self.parse, errback=self.source_failed)
        depth = response.meta.get(LISTING_PAGE, 0) + 1
        if found.next_page and self.wants_next_page(found.articles, depth):
            yield response.follow(
                found.next_page, callback=self.parse, errback=self.source_failed, meta={LISTING_PAGE: depth}
            )

    def wants_next_page(self, articles: list[Link], depth: int) -> bool:
        if depth >= self.settings.getint("NEWSCRAWL_MAX_LISTING_PAGES"):
            self.crawler.stats.inc_value("newscrawl/listing/page_limit_reached")
            return False
        dates = [a.date for a in articles if a.date]
        return not (dates and self.window.is_before(max(dates)))

    # --- Articles --------------------------------------------------------------------------

    def follow_articles(self, links: Iterable[Link], source: str) -> Iterator[scrapy.Request]:
        """Requests for the articles of a source. ``source`` is FEED, SITEMAP or LISTING;
        feed and sitemap dates are exact enough to tell an article unchanged since stored."""
        links = [link for link in links if self.is_new_article_link(link)]
        stored = self.stored_versions(links)
        for link in links:
            ident = article_id(link.url)
            if ident in self.requested_ids:  # the same article twice in one source
                self.crawler.stats.inc_value("newscrawl/skipped/duplicate_link")
                continue
            if ident in stored and not self.is_newer(link, stored[ident], source):
                self.crawler.stats.inc_value("newscrawl/skipped/not_modified")
                continue
            yield self.article_request(link, ident, source)

    def is_new_article_link(self, link: Link) -> bool:
        """An article link on the site, in the window, not yet requested in this run."""
        stats = self.crawler.stats
        ident = article_id(link.url)
        if ident is None or not self.is_on_site(link.url):
            stats.inc_value("newscrawl/skipped/not_article_link")
            return False
        if ident in self.requested_ids:
            stats.inc_value("newscrawl/skipped/duplicate_link")
            return False
        if not self.window.admits(link.date):
            stats.inc_value("newscrawl/skipped/out_of_window")
            return False
        return True

    def stored_versions(self, links: list[Link]) -> dict[str, StoredArticle]:
        if self.store is None or not links:
            return {}
        return self.store.latest_many(article_id(link.url) for link in links)

    @staticmethod
    def is_newer(link: Link, stored: StoredArticle, source: str) -> bool:
        """Whether a source says the article changed after the stored copy. Listings give
        only a day, and a link without a date says nothing: both count as not newer."""
        if source == discovery.LISTING or link.date is None:
            return False
        stored_at = discovery.parse_date(stored.updated_at or stored.published_at)
        return stored_at is None or link.date > stored_at

    def article_request(self, link: Link, ident: str, source: str) -> scrapy.Request:
        self.requested_ids.add(ident)
        self.crawler.stats.inc_value("newscrawl/articles/requested")
        meta = {FEED_PUBLISHED_AT: link.date} if source == discovery.FEED and link.date else {}
        meta.update(self.registry_render(link.url))
        return scrapy.Request(
            canonical_url(link.url), callback=self.parse_article, errback=self.article_failed, meta=meta
        )

    def parse_article(
        self, response: Response, page: PangeaArticle | None = None
    ) -> Iterator[scrapy.Request | ArticleItem]:
        page = page or read_page(response, self.site.language)
        fetched_at = datetime.now(timezone.utc)
        try:
            item = load_article(page, self.site, fetched_at, response.meta.get(FEED_PUBLISHED_AT))
        except ExtractionError as exc:
            item, failure = None, exc
        # Media pages are items without text, but a script may write theirs too.
        if (item is None or not item["body"]) and (request := self.render_again(response, scripted.script_builds_article(page))):
            yield request
            return
        if item is None:
            self.crawler.stats.inc_value("newscrawl/articles/fetched")
            self.crawler.stats.inc_value("newscrawl/articles/unextractable")
            self.count_failure("article", reason_slug(str(failure)), response.url, str(failure))
            return
        self.crawler.stats.inc_value("newscrawl/articles/fetched")
        item["rendered"] = "playwright" in response.flags  # the browser's response (scrapy-playwright)
        self.requested_ids.add(item["article_id"])
        if not self.window.admits(discovery.parse_date(item["published_at"])):
            self.crawler.stats.inc_value("newscrawl/skipped/out_of_window")
            return
        yield item
        if self.whole_site and self.settings.getbool("NEWSCRAWL_FOLLOW_ARTICLE_LINKS"):
            yield from self.follow_articles(discovery.article_links(page.root, response.url), discovery.LISTING)

    # --- Rendering: pages a script builds go through the browser (newscrawl.rendering) -------

    def registry_render(self, url: str) -> dict:
        """Request meta that sends ``url`` straight to the browser when the site registry
        names it among the pages a script builds."""
        if self.render_mode != NEVER and self.site.needs_browser(url):
            self.crawler.stats.inc_value("newscrawl/render/needed/site_registry")
            return {RENDER: "site_registry"}
        return {}

    def render_again(self, response: Response, sign: str | None) -> scrapy.Request | None:
        """The same request through the browser, when plain HTML showed ``sign`` that a script
        builds the page (``auto``; once: a rendered page is not rendered again)."""
        if sign is None or self.render_mode != AUTO or RENDER in response.meta:
            return None
        self.crawler.stats.inc_value(f"newscrawl/render/needed/{sign}")
        logger.debug("Rendering %(url)s in the browser: %(sign)s", {"url": response.url, "sign": sign})
        # The spider's own meta only: the rest is the plain download's (latency, retries, ...).
        meta = {key: value for key, value in response.meta.items() if key.startswith("newscrawl_")}
        return response.request.replace(meta={**meta, RENDER: sign}, dont_filter=True)

    # --- Failures: every one is counted with its reason and logged ---------------------------

    def article_failed(self, failure: Failure) -> None:
        self.count_failure("article", failure_reason(failure), failure.request.url, failure.getErrorMessage())

    def source_failed(self, failure: Failure) -> None:
        self.count_failure("source", failure_reason(failure), failure.request.url, failure.getErrorMessage())

    def count_failure(self, what: str, reason: str, url: str, detail: str) -> None:
        self.crawler.stats.inc_value(f"newscrawl/failed/{what}/{reason}")
        logger.warning(
            "Lost %(what)s %(url)s: %(reason)s (%(detail)s)",
            {"what": what, "url": url, "reason": reason, "detail": detail},
        )

    # --- Helpers -----------------------------------------------------------------------------

    def is_on_site(self, url: str) -> bool:
        return host_of(url) in self.site.hosts

    def _body(self, response: Response) -> bytes | None:
        """The response body, decompressed when it is a gzip file (sitemap_N.xml.gz)."""
        if not gzip_magic_number(response):
            return response.body
        try:
            return gunzip(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except (OSError, EOFError, _DecompressionMaxSizeExceeded) as exc:
            self.count_failure("source", "bad_gzip", response.url, repr(exc))
            return None


def parse_flag(name: str, value: str) -> bool:
    """A yes/no spider argument: "", "false", "no", "0" or "true", "yes", "1".

    >>> parse_flag("discovery_only", "true"), parse_flag("discovery_only", "")
    (True, False)
    """
    flags = {"": False, "false": False, "no": False, "0": False, "true": True, "yes": True, "1": True}
    try:
        return flags[value.strip().lower()]
    except KeyError:
        raise ConfigurationError(f"-a {name}= takes true or false, got {value!r}") from None


def read_page(response: Response, language: str | None = None) -> PangeaArticle:
    """The page, decoded as the page itself says when the server names the wrong encoding;
    its text cleaned by the rules of ``language`` (the site's)."""
    html = decode_html(response.body, getattr(response, "encoding", None) or "utf-8")
    return PangeaArticle(html, response.url, language)


def reason_slug(message: str) -> str:
    """A stats-friendly reason from an error message: "no body text" -> "no_body_text".

    >>> reason_slug("unreadable page: ValueError('x')")
    'unreadable_page'
    """
    return re.sub(r"\W+", "_", message.split(":", 1)[0]).strip("_").lower() or "unknown"


def failure_reason(failure: Failure) -> str:
    """A short stats-friendly reason: ``http_404``, ``TimeoutError``, ..."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return getattr(failure.value, "reason", None) or failure.type.__name__
