"""The replica of a Pangea site: what it holds and what a perfect crawl must get from it.

Nothing is stored per article: an article is generated from (seed, number) when it is asked
for, and an id leads to its number by arithmetic. Only the order of ids (a list of strings) is
kept, and only once a listing, feed or sitemap needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from newscrawl.archive.document import parse_document
from newscrawl.errors import ConfigurationError
from newscrawl.replica.faults import FaultPlan
from newscrawl.replica.generator import PHANTOMS, SLOW_K, UNAVAILABLE_K, Generator, republish
from newscrawl.replica.model import Article, Entry
from newscrawl.sites import Site, get_site

# What a replica serves of a site whose registry entry lists no sources (the crawler finds them).
REPLICA_FEEDS = ("/api/", "/api/zrqiteuuir", "/api/zmpqyeq_qm", "/api/z-ymqeviy")
REPLICA_SECTIONS = ("/z/1001", "/z/1002", "/z/1003")
REPLICA_SITEMAPS = ("/sitemap.xml",)


def with_sources(site: Site) -> Site:
    """The site as the replica serves it: its listed feeds, sections and sitemap, else the
    replica's own. The crawl of a site without listed ones starts from the registry entry and
    has to discover these."""
    return replace(site, feeds=site.feeds or REPLICA_FEEDS, sections=site.sections or REPLICA_SECTIONS,
                   sitemaps=site.sitemaps or REPLICA_SITEMAPS)


class ReplicaSite:
    def __init__(
        self,
        size: int = 50,
        seed: int = 1,
        seed_documents: Iterable[str | Path] = (),
        site: str = "voachinese",
        revised: Iterable[str] = frozenset(),
        republished: Iterable[str] = (),
        faults: FaultPlan | None = None,
    ):
        self.site = with_sources(get_site(site))
        self.faults = faults  # what serve() injects, unless told otherwise
        self.generator = Generator(self.site, seed, size, frozenset(map(str, revised)))
        self._phantoms = {self.generator.phantom_id(name): name for name in PHANTOMS}
        self._seeds: dict[str, Article] = {}
        for path in seed_documents:
            article = self.generator.seed_article(parse_document(Path(path).read_text(encoding="utf-8")))
            if self.entry(article.entry.article_id) is not None:
                raise ConfigurationError(f"seed document {path}: id {article.entry.article_id} is already taken")
            self._seeds[article.entry.article_id] = article
        # Republished copies, like seed documents, are articles with ids of their own.
        self._republished = {self.generator.republished_id(i): str(ident) for i, ident in enumerate(republished)}
        for copy, original in self._republished.items():
            self._seeds[copy] = republish(self.article(original), copy, self.generator.language)
        self.sections = self.generator.sections

    # --- The public record ---------------------------------------------------------------------

    def article_ids(self) -> list[str]:
        """Every article id with a truth, newest first (the 404 and 410 cases are not articles)."""
        return [ident for ident in self.timeline if ident not in self._phantoms]

    def truth(self, article_id: str) -> dict:
        """The item fields a perfect extractor outputs for this article; KeyError if none."""
        return self.article(article_id).truth(self.site.key, self.site.origin, self.site.language)

    def truths(self) -> Iterator[dict]:
        return (self.truth(ident) for ident in self.article_ids())

    def variants(self, article_id: str) -> set[str]:
        return set(self.article(article_id).variants)

    def failure_ids(self) -> dict[str, str]:
        return {
            **{name: ident for ident, name in self._phantoms.items()},
            "unavailable": self.generator.id_of(UNAVAILABLE_K),
            "slow": self.generator.id_of(SLOW_K),
        }

    def republished_ids(self) -> dict[str, str]:
        """Each republished copy's id -> the id of the article it copies."""
        return dict(self._republished)

    def missing_image_urls(self) -> list[str]:
        return [self.generator.missing_image.url]

    # --- Lookups for the server --------------------------------------------------------------------

    def article(self, article_id: str) -> Article:
        if article_id in self._seeds:
            return self._seeds[article_id]
        k = self.generator.number(article_id)
        if k is None:
            raise KeyError(article_id)
        return self.generator.article(k)

    def entry(self, article_id: str) -> Entry | None:
        """Any id the site links to, the 404 and 410 cases included; None for unknown ids."""
        if article_id in self._seeds:
            return self._seeds[article_id].entry
        if article_id in self._phantoms:
            return self.generator.phantom(self._phantoms[article_id])
        k = self.generator.number(article_id)
        return None if k is None else self.generator.entry(k)

    def entries(self, ids: Iterable[str]) -> list[Entry]:
        return [self.entry(ident) for ident in ids]  # type: ignore[misc]  # ids come from the timeline

    def related(self, article_id: str) -> list[Entry]:
        """Older articles an article page links to in its related block."""
        k = self.generator.number(article_id)
        return self.generator.neighbours(0 if k is None else k)

    @cached_property
    def timeline(self) -> list[str]:
        """Every linked id (articles, seeds, 404/410 cases), newest first."""
        gen = self.generator
        dated = [(gen.published(k), gen.id_of(k)) for k in range(gen.size)]
        dated += [(self.entry(ident).published, ident) for ident in (*self._seeds, *self._phantoms)]
        return [ident for _, ident in sorted(dated, reverse=True)]

    @cached_property
    def by_section(self) -> dict[str, list[str]]:
        listed: dict[str, list[str]] = {path: [] for path in self.site.sections}
        for ident in self.timeline:
            k = self.generator.number(ident)
            section = self.generator.section_id(k) if k is not None else self.entry(ident).section_id
            listed[section].append(ident)
        return listed
