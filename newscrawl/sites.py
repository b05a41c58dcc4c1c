"""Registry of the Pangea sites newscrawl knows how to crawl.

One :class:`Site` per site key holds everything the crawl policy needs: where the site
lives, which language it declares, and where to discover articles. The extractor is the
same for every site; only this registry differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from newscrawl.errors import ConfigurationError

IMAGE_HOST = "gdb.voanews.com"


@dataclass(frozen=True)
class Site:
    key: str
    origin: str  # scheme and host of the article pages, e.g. "https://www.voachinese.com"
    language: str  # the language the site's pages declare, e.g. "zh-Hans"
    feeds: tuple[str, ...] = ()  # paths of RSS feeds, e.g. "/api/zmpqyeq_qm"
    sections: tuple[str, ...] = ()  # paths of section listings, e.g. "/z/1739"
    sitemaps: tuple[str, ...] = ("/sitemap.xml",)
    image_host: str = IMAGE_HOST
    extra_hosts: tuple[str, ...] = field(default=())
    # Regular expressions on URL paths of pages that always need a browser (a script builds
    # them), e.g. r"^/a/live-"; with NEWSCRAWL_RENDER=auto they skip the plain HTTP attempt.
    render_paths: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.origin).hostname or ""

    @property
    def hosts(self) -> frozenset[str]:
        """Every host that belongs to the site: pages, images and aliases."""
        bare = self.host.removeprefix("www.")
        return frozenset({self.host, bare, self.image_host, *self.extra_hosts})

    def needs_browser(self, url: str) -> bool:
        """Whether the registry says that the page at ``url`` is built by a script.

        >>> Site("x", "https://x.org", "en", render_paths=(r"^/live/",)).needs_browser("https://x.org/live/1.html")
        True
        """
        path = urlsplit(url).path
        return any(re.search(pattern, path) for pattern in self.render_paths)

    def url(self, path: str) -> str:
        return self.origin + path

    def start_urls(self) -> list[str]:
        return [self.url(p) for p in (*self.feeds, *self.sitemaps, *self.sections)]


SITES: dict[str, Site] = {
    site.key: site
    for site in (
        Site(
            key="voachinese",
            origin="https://www.voachinese.com",
            language="zh-Hans",
            feeds=("/api/", "/api/zkm-qem-ivq", "/api/z-pqpe-vmiqp"),
            sections=("/z/1739", "/z/1769", "/z/1740", "/z/5403"),
        ),
        Site(
            key="voacantonese",
            origin="https://www.voacantonese.com",
            language="zh-Hant",
            feeds=("/api/",),
            sections=("/z/2251",),
        ),
        Site(
            key="voanews",
            origin="https://www.voanews.com",
            language="en-US",
            feeds=("/api/zq$omekvi_",),
            sections=("/z/599", "/z/598"),
        ),
    )
}

DEFAULT_SITE = "voachinese"


def get_site(key: str) -> Site:
    try:
        return SITES[key]
    except KeyError:
        raise ConfigurationError(f"unknown site {key!r}; known sites: {', '.join(sorted(SITES))}") from None
