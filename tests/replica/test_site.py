"""The replica's model: determinism, variants, truth, and agreement between truth and markup."""

from __future__ import annotations

import time
import pytest

from newscrawl.errors import ConfigurationError
from newscrawl.items import ArticleItem
from newscrawl.replica import ReplicaSite
from newscrawl.replica.generator import VARIANTS
from newscrawl.replica.server import Replica
from tests.crawling import SEED_DOCUMENT
from tests.replica.oracle import read

SEED_ID = "7978772"
TRUTH_FIELDS = set(ArticleItem.fields) - {"fetched_at", "content_hash", "rendered", "version", "previous_hash", "duplicate_of"}


def page(replica: Replica, path: str) -> bytes:
    reply = replica.respond(path)
    while reply.status == 503:  # the "unavailable" article, until it recovers
        reply = replica.respond(path)
    assert reply.status == 200, path
    return reply.body


@pytest.fixture(scope="module")
def site():
    return ReplicaSite(size=12, seed=7, seed_documents=(SEED_DOCUMENT,), revised={"7900003"})


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not():
    paths = ["/", "/api/", "/sitemap_1.xml.gz", "/z/1739"]
    first, again, other = (Replica(ReplicaSite(size=10, seed=s), slow_seconds=0) for s in (3, 3, 4))
    paths += [first.site.entry(ident).path for ident in first.site.article_ids()]
    assert [page(first, p) for p in paths] == [page(again, p) for p in paths]
    assert page(first, paths[-1]) != page(other, other.site.entry(first.site.article_ids()[-1]).path)


def test_ten_articles_show_every_variant():
    small = ReplicaSite(size=10, seed=1)
    seen = set().union(*(small.variants(ident) for ident in small.article_ids()))
    assert set(VARIANTS) <= seen
    assert {truth["kind"] for truth in small.truths()} == {"article", "video", "audio", "gallery", "live"}


def test_truth_has_exactly_the_item_fields(site):
    for truth in site.truths():
        assert set(truth) == TRUTH_FIELDS
        assert truth["body_text"] == "\n\n".join(block["text"] for block in truth["body"])
        assert truth["url"].startswith("https://www.voachinese.com/a/") and truth["site"] == "voachinese"


def test_every_page_says_what_its_truth_says(site):
    replica = Replica(site, slow_seconds=0)
    for ident in site.article_ids():
        assert read(page(replica, site.entry(ident).path).decode()) == {
            key: value for key, value in site.truth(ident).items() if key not in ("article_id", "site")
        }, (ident, site.variants(ident))


def test_truth_is_clean_of_page_noise(site):
    for truth in site.truths():
        for block in truth["body"]:
            assert not set(block["text"]) & set("\u200b\ufeff\u3000\xa0"), block
            assert "  " not in block["text"] and "&nbsp;" not in block["html"]
            assert block["text"] == block["text"].strip()


def test_seed_document_is_served_with_its_own_text(site):
    truth = site.truth(SEED_ID)
    assert truth["url"] == (
        "https://www.voachinese.com/a/us-official-actual-peace-talks-only-possible-with-ukraine-s-involvement-20250218/7978772.html"
    )
    assert truth["published_at"] == "2025-02-18T07:27:23Z"
    assert len(truth["body"]) == 23
    assert [b["type"] for b in truth["body"]].count("h2") == 2
    assert truth["body"][-1]["html"] == "<em>(本文依据了美联社、法新社、路透社的报道)</em>"
    assert truth["sources"] == ["美联社", "法新社", "路透社"]
    assert truth["images"][0] == {
        "url": "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg",
        "caption": "美国国务卿马尔科·卢比奥在利雅得会晤沙特王储穆罕默德·本·萨勒曼。(2025年2月17日)",
        "is_cover": True,
    }
    assert SEED_ID in site.article_ids()


def test_a_revised_article_has_one_more_paragraph_and_a_later_update():
    before = ReplicaSite(size=12, seed=7).truth("7900003")
    after = ReplicaSite(size=12, seed=7, revised={"7900003"}).truth("7900003")
    assert len(after["body"]) == len(before["body"]) + 1
    assert after["published_at"] == before["published_at"]
    assert after["updated_at"] > (before["updated_at"] or before["published_at"])


def test_failures_404_and_410_have_no_truth_the_others_do(site):
    failures = site.failure_ids()
    assert set(failures) == {"not_found", "gone", "unavailable", "slow"}
    for name in ("not_found", "gone"):
        with pytest.raises(KeyError):
            site.truth(failures[name])
        assert failures[name] not in site.article_ids()
    assert site.truth(failures["unavailable"])["article_id"] == failures["unavailable"]
    assert site.truth(failures["slow"])["article_id"] == failures["slow"]


def test_ids_are_newest_first(site):
    dates = [site.truth(ident)["published_at"] for ident in site.article_ids()]
    assert dates == sorted(dates, reverse=True)


def test_a_missing_image_is_still_an_article_image(site):
    (missing,) = site.missing_image_urls()
    assert any(missing in [i["url"] for i in truth["images"]] for truth in site.truths())
    assert Replica(site).respond("/" + missing.rsplit("/", 1)[1].replace(".jpg", "_w250_r0_s.jpg")).status == 404


def test_fifty_thousand_articles_construct_at_once_and_serve_an_article():
    started = time.perf_counter()
    big = ReplicaSite(size=50_000, seed=1)
    ident = big.generator.id_of(31_337)
    body = page(Replica(big), big.entry(ident).path)
    assert time.perf_counter() - started < 0.5
    assert big.truth(ident)["title"] in body.decode()


def test_too_small_a_site_is_refused():
    with pytest.raises(ConfigurationError, match="at least 10"):
        ReplicaSite(size=5)


def test_a_seed_document_cannot_take_an_id_already_in_use():
    with pytest.raises(ConfigurationError, match="already taken"):
        ReplicaSite(size=10, seed_documents=(SEED_DOCUMENT, SEED_DOCUMENT))
