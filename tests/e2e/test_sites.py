"""End-to-end: registered sites crawled through discovery alone (``-a discovery_only=true``: no
listed feed, section or sitemap), from their robots.txt, home page and feed directory, each
against a replica written in its own language and script; every field of every article checked.

By default one site per script family (16 sites, one Scrapy process); with
``NEWSCRAWL_TEST_ALL_SITES=1`` every registered site too (also one process).
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest

from newscrawl.replica import ReplicaSite, serve
from newscrawl.sites import SITES
from tests.crawling import COMPARED_FIELDS, Crawl, extracted, run_crawl, run_site_crawls



def first_site_of_each_script() -> list[str]:
    first: dict[str, str] = {}
    for site in SITES.values():
        first.setdefault(site.script, site.key)
    return list(first.values())


FAMILY_SITES = first_site_of_each_script()
ALL_SITES = os.environ.get("NEWSCRAWL_TEST_ALL_SITES") == "1"
# Politeness is not under test here; without AutoThrottle's start delay the crawls take seconds.
FAST = {"AUTOTHROTTLE_ENABLED": False}


def crawl_replicas(workdir, keys: list[str]) -> dict[str, tuple[ReplicaSite, Crawl]]:
    with ExitStack() as servers:
        replicas = {key: ReplicaSite(size=10, seed=5, site=key) for key in keys}
        origins = {key: servers.enter_context(serve(replica)).base_url for key, replica in replicas.items()}
        crawls = run_site_crawls(workdir, origins, arguments={"discovery_only": "true"}, settings=FAST)
    return {key: (replicas[key], crawls[key]) for key in keys}


@pytest.fixture(scope="module")
def family_crawls(tmp_path_factory):
    return crawl_replicas(tmp_path_factory.mktemp("families"), FAMILY_SITES)


@pytest.fixture(scope="module")
def all_crawls(tmp_path_factory):
    return crawl_replicas(tmp_path_factory.mktemp("all-sites"), list(SITES))


def assert_crawled_right(replica: ReplicaSite, crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.stats["finish_reason"] == "finished"
    # Found from the site alone: robots.txt -> sitemaps, home page and /rssfeeds -> feeds and sections.
    for source in ("robots", "sitemapindex", "urlset", "feed", "html"):
        assert crawl.stat(f"newscrawl/sources/{source}") >= 1, source
    truths = {truth["article_id"]: truth for truth in replica.truths()}
    assert sorted(item["article_id"] for item in crawl.items) == sorted(truths)
    for item in crawl.items:
        truth = truths[item["article_id"]]
        wrong = {field: (extracted(item, field), truth[field]) for field in COMPARED_FIELDS
                 if extracted(item, field) != truth[field]}
        assert not wrong, f"{replica.site.key} article {item['article_id']}: {wrong}"


def test_one_site_of_every_script_family_is_a_family_of_its_own():
    assert len({SITES[key].script for key in FAMILY_SITES}) == len(FAMILY_SITES) >= 15
    assert {"Latn", "Cyrl", "Arab", "Hans", "Hant", "Tibt", "Mymr", "Khmr", "Geor", "Armn", "Ethi"} <= {
        SITES[key].script for key in FAMILY_SITES}


@pytest.mark.parametrize("key", FAMILY_SITES)
def test_a_site_of_each_script_family_is_crawled_whole_from_discovery_alone(family_crawls, key):
    assert_crawled_right(*family_crawls[key])


@pytest.mark.skipif(not ALL_SITES, reason="every registered site: NEWSCRAWL_TEST_ALL_SITES=1 (a few minutes)")
@pytest.mark.parametrize("key", list(SITES))
def test_every_registered_site_is_crawled_whole_from_discovery_alone(all_crawls, key):
    assert_crawled_right(*all_crawls[key])


def test_a_site_is_named_by_any_of_its_hosts_and_an_unknown_one_gets_the_list(tmp_path):
    replica = ReplicaSite(size=10, seed=5, site="svoboda")
    with serve(replica) as server:
        crawl = run_crawl(tmp_path / "host", "-a", "site=www.svoboda.org", base_url=server.base_url, settings=FAST)
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert {item["site"] for item in crawl.items} == {"svoboda"} and len(crawl.items) == len(replica.article_ids())
    unknown = run_crawl(tmp_path / "unknown", "-a", "site=example.org")
    assert unknown.returncode != 0 and unknown.items == []
    assert "unknown site 'example.org'; known sites: " in unknown.log and "svoboda" in unknown.log
