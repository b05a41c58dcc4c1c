"""Registry of the Pangea sites newscrawl knows how to crawl: VOA's, RFE/RL's and Martí's
language services, one line each.

An entry needs only its key, origin and language. Feeds, sitemaps and sections are discovered
from the site itself (robots.txt, the home page's navigation and feed links, ``/rssfeeds``);
the few an entry lists are hints, crawled instead of the discovery roots. The extractor is the
same for every site; script and direction follow from the language.

``python -m newscrawl.sites`` prints the registry.

Sources of the hosts and languages: public code that crawls these sites or links to them
(site lists, feed lists, language tables of VOA's own templates). ``verified=False`` marks an
entry whose host or language no such source confirmed; ``note`` says what is uncertain.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from newscrawl.errors import ConfigurationError
from newscrawl.languages import direction_of, script_of

IMAGE_HOST = "gdb.voanews.com"  # VOA's image host
RFERL_IMAGES = "gdb.rferl.org"  # RFE/RL's
IMAGE_HOSTS = (IMAGE_HOST, RFERL_IMAGES)  # where Pangea pages' own pictures live
DISCOVERY_ROOTS = ("/robots.txt", "/", "/rssfeeds")  # where a site tells its own sources

@dataclass(frozen=True)
class Site:
    key: str
    origin: str  # scheme and host of the article pages, e.g. "https://www.voachinese.com"
    language: str  # BCP 47; the items' language, whatever a page declares (pages can be wrong)
    extra_hosts: tuple[str, ...] = field(default=())  # aliases and former hosts
    verified: bool = True  # False: no public source confirmed the host or language (see note)
    note: str = ""
    image_host: str = IMAGE_HOST
    feeds: tuple[str, ...] = ()  # hints: paths of RSS feeds, e.g. "/api/zmpqyeq_qm"
    sections: tuple[str, ...] = ()  # hints: paths of section listings, e.g. "/z/1739"
    sitemaps: tuple[str, ...] = ()  # hints: paths of sitemaps, e.g. "/sitemap.xml"
    # Regular expressions on URL paths of pages that always need a browser (a script builds
    # them), e.g. r"^/a/live-"; with NEWSCRAWL_RENDER=auto they skip the plain HTTP attempt.
    render_paths: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.origin).hostname or ""

    @property
    def page_hosts(self) -> frozenset[str]:
        """The hosts that serve the site's pages: its own, without www., and its aliases."""
        return frozenset({self.host, self.host.removeprefix("www."), *self.extra_hosts})

    @property
    def hosts(self) -> frozenset[str]:
        """Every host that belongs to the site: pages, images and aliases."""
        return self.page_hosts | {self.image_host}

    @property
    def script(self) -> str:
        return script_of(self.language)

    @property
    def direction(self) -> str:
        return direction_of(self.language)

    def needs_browser(self, url: str) -> bool:
        """Whether the registry says that the page at ``url`` is built by a script.

        >>> Site("x", "https://x.org", "en", render_paths=(r"^/live/",)).needs_browser("https://x.org/live/1.html")
        True
        """
        path = urlsplit(url).path
        return any(re.search(pattern, path) for pattern in self.render_paths)

    def url(self, path: str) -> str:
        return self.origin + path

    def hinted_sources(self) -> tuple[str, ...]:
        return (*self.feeds, *self.sitemaps, *self.sections)

    def start_urls(self, discovery_only: bool = False) -> list[str]:
        """The listed sources, else (or with ``discovery_only``) where the site tells its own."""
        hints = () if discovery_only else self.hinted_sources()
        return [self.url(path) for path in hints or DISCOVERY_ROOTS]


def _rferl(key: str, origin: str, language: str, **more) -> Site:
    return Site(key, origin, language, image_host=RFERL_IMAGES, **more)


CLOSED = "closed as a newsroom, the site kept as an archive"
SITES: dict[str, Site] = {
    site.key: site
    for site in (
        # --- VOA -------------------------------------------------------------------------------
        Site("voachinese", "https://www.voachinese.com", "zh-Hans", sitemaps=("/sitemap.xml",),
             feeds=("/api/", "/api/zkm-qem-ivq", "/api/z-pqpe-vmiqp"), sections=("/z/1739", "/z/1769", "/z/1740", "/z/5403")),
        Site("voacantonese", "https://www.voacantonese.com", "zh-Hant", sitemaps=("/sitemap.xml",),
             feeds=("/api/",), sections=("/z/2251",)),
        Site("voanews", "https://www.voanews.com", "en-US", sitemaps=("/sitemap.xml",),
             feeds=("/api/zq$omekvi_",), sections=("/z/599", "/z/598")),
        Site("learningenglish", "https://learningenglish.voanews.com", "en-US"),
        Site("voatibetanenglish", "https://www.voatibetanenglish.com", "en"),
        Site("voazimbabwe", "https://www.voazimbabwe.com", "en"),
        Site("golosameriki", "https://www.golosameriki.com", "ru", extra_hosts=("golos-ameriki.ru", "www.golos-ameriki.ru")),
        Site("holosameryky", "https://www.holosameryky.com", "uk", extra_hosts=("ukrainian.voanews.com",)),
        Site("voapersian", "https://ir.voanews.com", "fa"),
        Site("urduvoa", "https://www.urduvoa.com", "ur"),
        Site("voadeewaradio", "https://www.voadeewaradio.com", "ps", extra_hosts=("voadeewanews.com", "www.voadeewanews.com"),
             verified=False, note="voadeewanews.com is seen beside it; which one is current is unconfirmed"),
        Site("pashtovoa", "https://www.pashtovoa.com", "ps"),
        Site("darivoa", "https://www.darivoa.com", "prs"),
        Site("voakorea", "https://www.voakorea.com", "ko"),
        Site("voatibetan", "https://www.voatibetan.com", "bo"),
        Site("voaburmese", "https://burmese.voanews.com", "my"),
        Site("voakhmer", "https://www.voakhmer.com", "km", extra_hosts=("khmer.voanews.com", "voacambodia.com", "www.voacambodia.com"),
             verified=False, note="khmer.voanews.com and voacambodia.com are confirmed; voakhmer.com only by the issue"),
        Site("voatiengviet", "https://www.voatiengviet.com", "vi"),
        Site("voaindonesia", "https://www.voaindonesia.com", "id"),
        Site("voathai", "https://www.voathai.com", "th"),
        Site("voalao", "https://lao.voanews.com", "lo"),
        Site("voabangla", "https://www.voabangla.com", "bn"),
        Site("voaamharic", "https://amharic.voanews.com", "am"),
        Site("voatigrigna", "https://tigrigna.voanews.com", "ti"),
        Site("voaafaanoromoo", "https://www.voaafaanoromoo.com", "om"),
        Site("voaafrique", "https://www.voaafrique.com", "fr"),
        Site("voaportugues", "https://www.voaportugues.com", "pt"),
        Site("voaespanol", "https://www.voaespanol.com", "es", extra_hosts=("voanoticias.com", "www.voanoticias.com"),
             verified=False, note="voanoticias.com is confirmed; voaespanol.com only by the issue"),
        Site("voahausa", "https://www.voahausa.com", "ha"),
        Site("voaswahili", "https://www.voaswahili.com", "sw"),
        Site("voasomali", "https://www.voasomali.com", "so"),
        Site("voanouvel", "https://www.voanouvel.com", "ht"),
        Site("radiyoyacuvoa", "https://www.radiyoyacuvoa.com", "rw", verified=False, note="Kinyarwanda and Kirundi; rw assumed"),
        Site("voalingala", "https://www.voalingala.com", "ln"),
        Site("voandebele", "https://www.voandebele.com", "nd"),
        Site("voashona", "https://www.voashona.com", "sn"),
        Site("voabambara", "https://www.voabambara.com", "bm"),
        Site("zeriamerikes", "https://www.zeriamerikes.com", "sq"),
        Site("glasamerike", "https://www.glasamerike.net", "sr-Latn", verified=False, note="script of the pages unconfirmed"),
        Site("voabosnian", "https://ba.voanews.com", "bs"),
        Site("voamacedonian", "https://mk.voanews.com", "mk"),
        Site("voagreek", "https://gr.voanews.com", "el", verified=False, note="listed among VOA's sites; may be an archive"),
        Site("amerikayidzayn", "https://www.amerikayidzayn.com", "hy"),
        Site("amerikiskhma", "https://www.amerikiskhma.com", "ka"),
        Site("amerikaninsesi", "https://www.amerikaninsesi.com", "tr"),
        Site("amerikaninsesi-az", "https://www.amerikaninsesi.org", "az"),
        Site("amerikaovozi", "https://www.amerikaovozi.com", "uz"),
        Site("dengiamerika", "https://www.dengiamerika.com", "ckb"),
        Site("dengeamerika", "https://www.dengeamerika.com", "ku"),
        # --- Office of Cuba Broadcasting ---------------------------------------------------------
        Site("martinoticias", "https://www.martinoticias.com", "es"),
        # --- RFE/RL ------------------------------------------------------------------------------
        _rferl("rferl", "https://www.rferl.org", "en"),
        _rferl("gandhara", "https://gandhara.rferl.org", "en"),
        _rferl("svoboda", "https://www.svoboda.org", "ru"),
        _rferl("radiosvoboda", "https://www.radiosvoboda.org", "uk"),
        _rferl("svaboda", "https://www.svaboda.org", "be"),
        _rferl("radiofarda", "https://www.radiofarda.com", "fa"),
        _rferl("azadiradio-dari", "https://da.azadiradio.com", "prs", extra_hosts=("azadiradio.com", "www.azadiradio.com")),
        _rferl("azadiradio-pashto", "https://pa.azadiradio.com", "ps"),
        _rferl("mashaalradio", "https://www.mashaalradio.com", "ps", note=f"{CLOSED} (2026-03-31)"),
        _rferl("azattyq", "https://www.azattyq.org", "kk"),
        _rferl("azattyk", "https://www.azattyk.org", "ky", extra_hosts=("azattyk.kg", "www.azattyk.kg")),
        _rferl("ozodi", "https://www.ozodi.org", "tg"),
        _rferl("ozodlik", "https://www.ozodlik.org", "uz", verified=False, note="Latin script assumed; a Cyrillic edition exists too"),
        _rferl("azathabar", "https://www.azathabar.com", "tk"),
        _rferl("azattyqasia", "https://www.azattyqasia.org", "ru", extra_hosts=(
            "rus.azattyq.org", "rus.azattyk.org", "rus.ozodi.org", "rus.azathabar.com", "rus.ozodlik.org")),
        _rferl("azatutyun", "https://www.azatutyun.am", "hy"),
        _rferl("radiotavisupleba", "https://www.radiotavisupleba.ge", "ka", extra_hosts=("tavisupleba.org", "www.tavisupleba.org")),
        _rferl("ekhokavkaza", "https://www.ekhokavkaza.com", "ru", note=f"{CLOSED} (2026-05-01)"),
        _rferl("azadliq", "https://www.azadliq.org", "az"),
        _rferl("europalibera", "https://www.europalibera.org", "ro"),
        _rferl("slobodnaevropa", "https://www.slobodnaevropa.org", "sr-Latn", verified=False,
               note="Serbian, Bosnian, Croatian and Montenegrin; the declared tag is unconfirmed"),
        _rferl("slobodnaevropa-mk", "https://www.slobodnaevropa.mk", "mk", note=f"{CLOSED} (2026-03-31)"),
        _rferl("evropaelire", "https://www.evropaelire.org", "sq"),
        _rferl("idelreal", "https://www.idelreal.org", "ru", note="the home page redirects to svoboda.org/idel"),
        _rferl("azatliq", "https://www.azatliq.org", "tt"),
        _rferl("currenttime", "https://www.currenttime.tv", "ru"),
        _rferl("currenttime-en", "https://en.currenttime.tv", "en"),
        _rferl("krymr", "https://ru.krymr.com", "ru", extra_hosts=("krymr.com", "www.krymr.com")),
        _rferl("krymr-ua", "https://ua.krymr.com", "uk"),
        _rferl("krymr-ktat", "https://ktat.krymr.com", "crh"),
        _rferl("kavkazr", "https://www.kavkazr.com", "ru", note="the home page redirects to svoboda.org/caucasus"),
        _rferl("sibreal", "https://www.sibreal.org", "ru", note="the home page redirects to svoboda.org/sibreal"),
        _rferl("severreal", "https://www.severreal.org", "ru", note="the home page redirects to svoboda.org/severrealii"),
        _rferl("radiomarsho", "https://www.radiomarsho.com", "ce"),
    )
}

DEFAULT_SITE = "voachinese"


@cache
def _by_host() -> dict[str, Site]:
    return {host: site for site in SITES.values() for host in site.page_hosts}


def get_site(name: str) -> Site:
    """A site by its key or any of its hosts (``svoboda``, ``svoboda.org``, ``www.svoboda.org``)."""
    wanted = name.strip().lower()
    host = urlsplit(wanted).hostname or "" if "//" in wanted else wanted.rstrip("/")
    site = SITES.get(wanted) or _by_host().get(host)
    if site is None:
        raise ConfigurationError(f"unknown site {name!r}; known sites: {', '.join(sorted(SITES))}")
    return site


def registry_table() -> str:
    """One line per site: key, hosts, language, script, direction, and what is unverified."""
    rows = [("key", "hosts", "language", "script", "direction", "note")]
    for site in SITES.values():
        hosts = " ".join([site.host, *sorted(site.page_hosts - {site.host})])
        note = ("unverified: " if not site.verified else "") + site.note
        rows.append((site.key, hosts, site.language, site.script, site.direction, note))
    widths = [max(len(cell) for cell in column) for column in zip(*rows)]
    lines = ("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(registry_table())
