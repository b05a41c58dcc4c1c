"""End-to-end: real crawls of a replica that injects faults on purpose.

Each test enables a family of faults at a high rate and checks the crawl's outcome for every
article of the replica: stored with the right fields, or named in the log as lost with the
reason (and counted in the stats). Nothing may vanish silently and nothing may leave loopback.
"""

from __future__ import annotations

import re

import pytest

from newscrawl.replica import ReplicaSite, serve
from newscrawl.replica.faults import FaultPlan
from tests.crawling import run_crawl

TEXT_FIELDS = ("url", "title", "authors", "published_at", "body_text", "tags")
LOST = re.compile(r"Lost article (?P<url>\S+): (?P<reason>\S+) ")
FAST = {"DOWNLOAD_TIMEOUT": "3", "NEWSCRAWL_RETRY_BACKOFF_BASE": "0.2", "NEWSCRAWL_RETRY_BACKOFF_MAX": "1"}


def crawl_with_faults(tmp_path, kinds: str, rate: float, size: int = 30, **plan):
    site = ReplicaSite(size=size, seed=5)
    with serve(site, faults=FaultPlan.parse(kinds, rate=rate, seed=3, **plan)) as server:
        crawl = run_crawl(tmp_path, base_url=server.base_url, settings=FAST)
        ledger = server.fault_ledger()
    return site, crawl, ledger


def lost_reasons(crawl) -> dict[str, str]:
    """Article id -> the reason its loss was logged with."""
    return {match["url"].rsplit("/", 1)[-1].split(".")[0]: match["reason"] for match in LOST.finditer(crawl.log)}


def faulted_ids(ledger: dict, kind: str) -> set[str]:
    return {m[1] for path, _ in ledger.get(kind, []) if (m := re.search(r"/(\d+)\.html", path))}


def assert_accounted(site: ReplicaSite, crawl) -> None:
    """Every article is stored with the right text, or logged as lost with a reason."""
    items = {item["article_id"]: item for item in crawl.items}
    lost = lost_reasons(crawl)
    for ident in site.article_ids():
        assert ident in items or ident in lost, f"article {ident} vanished"
        if ident in items:
            truth = site.truth(ident)
            for field in TEXT_FIELDS:
                assert items[ident][field] == truth[field], (ident, field)


def test_retryable_faults_are_retried_until_every_article_is_stored(tmp_path):
    site, crawl, ledger = crawl_with_faults(
        tmp_path, "http_5xx,http_429,reset,timeout,truncated", rate=0.3, delay=5
    )
    assert crawl.returncode == 0 and crawl.stats["finish_reason"] == "finished"
    assert all(ledger.get(kind) for kind in ("http_5xx", "http_429", "reset", "timeout", "truncated")), ledger.keys()
    assert sorted(item["article_id"] for item in crawl.items) == sorted(site.article_ids())
    assert_accounted(site, crawl)
    assert crawl.stat("retry/count") >= sum(len(v) for v in ledger.values()) // 2


def test_pages_in_the_wrong_or_an_undeclared_encoding_are_read_right(tmp_path):
    site, crawl, ledger = crawl_with_faults(
        tmp_path, "content_type,charset_meta,charset_mismatch,invalid_utf8,duplicate_slug", rate=0.5
    )
    assert ledger.get("charset_mismatch") and ledger.get("charset_meta"), ledger.keys()
    ids = [item["article_id"] for item in crawl.items]
    assert sorted(ids) == sorted(site.article_ids())  # once each, duplicate slugs included
    assert_accounted(site, crawl)
    assert not any("\ufffd" in item["body_text"] + item["title"] for item in crawl.items)


def test_redirects_off_the_site_and_loops_are_refused_and_counted(tmp_path):
    site, crawl, ledger = crawl_with_faults(tmp_path, "redirect_offsite,redirect_private,redirect_loop", rate=0.3)
    lost = lost_reasons(crawl)
    for kind, reason in (("redirect_offsite", "redirect_offsite"), ("redirect_private", "redirect_offsite"),
                         ("redirect_loop", "redirect_loop")):
        ids = faulted_ids(ledger, kind)
        assert ids, kind
        assert {lost.get(i) for i in ids} == {reason}, (kind, ids, lost)
    assert_accounted(site, crawl)
    assert "example.org" not in "".join(crawl.stats) and not crawl.stat("offsite/filtered")
    assert crawl.stat("newscrawl/failed/article/redirect_offsite") == len(
        faulted_ids(ledger, "redirect_offsite") | faulted_ids(ledger, "redirect_private"))


def test_oversized_pages_and_gzip_bombs_are_refused_before_they_fill_memory(tmp_path):
    site, crawl, ledger = crawl_with_faults(tmp_path, "oversized,gzip_bomb", rate=0.2)
    assert ledger.get("oversized") and ledger.get("gzip_bomb")
    lost = lost_reasons(crawl)
    assert faulted_ids(ledger, "oversized") | faulted_ids(ledger, "gzip_bomb") <= set(lost)
    assert_accounted(site, crawl)


@pytest.mark.parametrize("kind, reason", [
    ("bot_challenge", "not_an_article_page"),
    ("js_shell", "not_an_article_page"),
    ("empty_article", "no_body_text"),
])
def test_pages_that_look_like_success_are_counted_as_failures(tmp_path, kind, reason):
    site, crawl, ledger = crawl_with_faults(tmp_path, kind, rate=0.15)
    # A video, audio or gallery page without text is a page like any other: only a text
    # article with an empty container is a failure.
    ids = {i for i in faulted_ids(ledger, kind) if kind != "empty_article" or site.truth(i)["kind"] == "article"}
    assert ids
    lost = lost_reasons(crawl)
    assert {lost.get(i) for i in ids} == {reason}
    assert_accounted(site, crawl)


def test_a_site_that_answers_only_challenges_finishes_with_a_reason(tmp_path):
    _, crawl, _ = crawl_with_faults(tmp_path, "bot_challenge", rate=1.0)
    assert crawl.stats["finish_reason"] in ("site_returned_non_articles", "no_articles_found")
    assert "The crawl found a problem" in crawl.log


def test_broken_hostile_and_empty_feeds_and_sitemaps(tmp_path):
    site, crawl, ledger = crawl_with_faults(tmp_path, "malformed_xml,xml_entities,empty_feed", rate=1.0)
    assert ledger.get("xml_entities") and ledger.get("malformed_xml")
    assert crawl.returncode == 0
    assert sorted(item["article_id"] for item in crawl.items) == sorted(site.article_ids())  # listings cover all
    assert "root:" not in crawl.log and not any("root:" in str(item) for item in crawl.items)
    assert crawl.stat("newscrawl/sources/empty_feed") >= 1
    assert "lists no item" in crawl.log
    assert crawl.stat("newscrawl/sources/damaged") >= 1 and "Damaged " in crawl.log


def test_hostile_images_are_refused_and_their_articles_kept(tmp_path):
    site, crawl, ledger = crawl_with_faults(tmp_path, "image_bomb,image_html,image_endless", rate=0.3, delay=5)
    assert sorted(item["article_id"] for item in crawl.items) == sorted(site.article_ids())
    errors = [image["error"] for item in crawl.items for image in item["images"] if "error" in image]
    assert any(e.startswith("decompression bomb") for e in errors)
    assert any(e.startswith("not an image") for e in errors)
    assert crawl.stat("log_count/ERROR") == 0, crawl.log[-3000:]
