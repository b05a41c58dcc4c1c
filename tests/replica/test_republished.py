"""The replica's republished copies: a known article again under a new id, near-identical."""

from __future__ import annotations

import pytest

from newscrawl.pipelines.near_duplicates import THRESHOLD, signature
from newscrawl.replica import ReplicaSite
from newscrawl.replica.server import Replica
from tests.replica.oracle import read
from tests.replica.test_site import page

ORIGINALS = ("7900004", "7900002")  # two articles, one without JSON-LD


@pytest.fixture(scope="module")
def site():
    return ReplicaSite(size=12, seed=7, republished=ORIGINALS)


def test_copies_get_new_ids_after_the_failure_cases(site):
    assert site.republished_ids() == {"7900014": "7900004", "7900015": "7900002"}
    assert set(site.republished_ids()) <= set(site.article_ids())
    assert set(site.republished_ids()).isdisjoint(site.failure_ids().values())
    assert ReplicaSite(size=12, seed=7).republished_ids() == {}


def test_a_copy_is_its_original_two_days_later_with_an_editors_note(site):
    for copy_id, original_id in site.republished_ids().items():
        copy, original = site.truth(copy_id), site.truth(original_id)
        assert copy["title"] == original["title"] + "（重发）"
        assert copy["url"] != original["url"] and copy["url"].endswith(f"/{copy_id}.html")
        assert copy["published_at"][:10] > original["published_at"][:10]
        note = [block for block in copy["body"] if block not in original["body"]]
        assert len(note) == 1 and note[0]["text"].startswith("编者按：本文首发于")
        assert (copy["sources"], copy["images"], copy["section"]) == (
            original["sources"], original["images"], original["section"]
        )
        assert copy["body"][-1] == original["body"][-1]  # the attribution line stays last
        assert signature(copy["body_text"]).jaccard(signature(original["body_text"])) >= THRESHOLD
        assert "republished" in site.variants(copy_id)


def test_a_copy_is_served_and_listed_like_any_article(site):
    replica = Replica(site, slow_seconds=0)
    for copy_id in site.republished_ids():
        assert read(page(replica, site.entry(copy_id).path).decode()) == {
            key: value for key, value in site.truth(copy_id).items() if key not in ("article_id", "site")
        }
        assert copy_id in site.by_section[site.entry(copy_id).section_id]
