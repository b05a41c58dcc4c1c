"""The replica's news prose (benchmarks): stories share few 5-grams, clusters are near-identical,
and every page still says what its truth says."""

from __future__ import annotations

import itertools

from newscrawl.pipelines.near_duplicates import THRESHOLD, signature
from newscrawl.replica import ReplicaSite
from newscrawl.replica.server import Replica
from tests.replica.oracle import read
from tests.replica.test_site import page


def bulk_signatures(site: ReplicaSite) -> dict[str, object]:
    """Article id -> signature, for the bulk articles (kind "article")."""
    truths = (site.truth(ident) for ident in site.article_ids())
    return {truth["article_id"]: signature(truth["body_text"]) for truth in truths if truth["kind"] == "article"}


def test_different_stories_share_few_5_grams_and_bulk_articles_are_long():
    site = ReplicaSite(size=80, prose="news")
    similarities = [a.jaccard(b) for a, b in itertools.combinations(bulk_signatures(site).values(), 2)]
    assert max(similarities) < 0.1
    bulk = [truth for truth in site.truths() if truth["kind"] == "article"]
    assert all(len(truth["body"]) >= 6 and len(truth["body_text"]) > 500 for truth in bulk)


def test_clusters_are_near_identical_within_and_unlike_each_other():
    site = ReplicaSite(size=40, clusters=20)
    clusters: dict[int, list] = {}
    for ident, minhash in bulk_signatures(site).items():
        clusters.setdefault(site.generator.number(ident) // 20, []).append(minhash)
    first, second = clusters.values()
    assert min(a.jaccard(b) for a, b in itertools.combinations(first, 2)) >= THRESHOLD
    assert max(a.jaccard(b) for a in first for b in second) < 0.1


def test_every_news_page_says_what_its_truth_says():
    for site in (ReplicaSite(size=10, prose="news"), ReplicaSite(size=10, clusters=5)):
        replica = Replica(site, slow_seconds=0)
        for ident in site.article_ids():
            assert read(page(replica, site.entry(ident).path).decode()) == {
                key: value for key, value in site.truth(ident).items() if key not in ("article_id", "site")
            }, (ident, site.variants(ident))
