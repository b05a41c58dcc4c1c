"""End-to-end across runs: the store, versions, incremental crawling, images, the archive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.archive.document import render_document
from newscrawl.replica import ReplicaSite, serve
from newscrawl.store import open_store
from tests.crawling import REPO, SEED_DOCUMENT, run_crawl

SEED_ID = "7978772"
SIZE, SEED = 12, 7
REVISED = "7900003"


def replica_site(**options) -> ReplicaSite:
    return ReplicaSite(size=SIZE, seed=SEED, seed_documents=(SEED_DOCUMENT,), **options)


@pytest.fixture(scope="module")
def served():
    """The replica as it is, and the same replica after one article was revised."""
    sites = {"original": replica_site(), "revised": replica_site(revised=frozenset({REVISED}))}
    servers = {name: serve(site) for name, site in sites.items()}
    yield {name: (sites[name], server.base_url) for name, server in servers.items()}
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def runs(served, tmp_path_factory):
    """Three runs sharing one data directory: the site, the unchanged site, the revised site."""
    root = tmp_path_factory.mktemp("runs")
    data = {"NEWSCRAWL_DATA_DIR": str(root / "data")}
    first = run_crawl(root / "first", base_url=served["original"][1], settings=data)
    second = run_crawl(root / "second", base_url=served["original"][1], settings=data)
    third = run_crawl(root / "third", base_url=served["revised"][1], settings=data)
    return root / "data", first, second, third


def test_first_run_stores_every_article(runs, served):
    data, first, _, _ = runs
    site = served["original"][0]
    assert first.returncode == 0, first.log[-2000:]
    assert {item["version"] for item in first.items} == {1}
    with open_store(None, data) as store:
        assert store.count() == len(site.article_ids())
    assert first.stat("newscrawl/store/new") == len(site.article_ids())


def test_unchanged_site_emits_nothing_and_fetches_no_article_again(runs):
    data, _, second, _ = runs
    assert second.returncode == 0, second.log[-2000:]
    assert second.items == []
    assert not (data.parent / "second" / "items.jsonl").exists()  # an empty run writes no file
    # Only the two pages that failed last time (404, 410) are tried again: nothing stored is.
    assert second.stat("newscrawl/articles/requested") == 2
    assert second.stat("newscrawl/failed/article/http_404") == second.stat("newscrawl/failed/article/http_410") == 1
    assert second.stat("newscrawl/skipped/not_modified") > 0
    assert second.stats["finish_reason"] == "finished"


def test_revised_article_is_emitted_alone_as_version_two(runs, served):
    data, first, _, third = runs
    assert [item["article_id"] for item in third.items] == [REVISED]
    revised = third.items[0]
    assert revised["version"] == 2
    assert revised["previous_hash"] == first.item(REVISED)["content_hash"]
    assert revised["body"] == served["revised"][0].truth(REVISED)["body"]
    with open_store(None, data) as store:
        versions = store.versions(REVISED)
    assert [v["version"] for v in versions] == [1, 2]


def test_every_image_is_on_disk_once_with_thumbnails(runs, served):
    data, first, _, _ = runs
    site = served["original"][0]
    missing = set(site.missing_image_urls())
    images = [image for item in first.items for image in item["images"]]
    for image in images:
        if image["url"] in missing:
            continue
        assert "error" not in image, image
        assert (data / "images" / image["path"]).is_file()
        assert all((data / "images" / thumb).is_file() for thumb in image["thumbs"].values())
    stored = {image["path"] for image in images if "path" in image}
    assert len(list((data / "images" / "full").iterdir())) == len(stored)


def test_a_missing_image_leaves_the_article_stored_with_the_error(runs, served):
    _, first, _, _ = runs
    missing = set(served["original"][0].missing_image_urls())
    assert missing
    failed = [image for item in first.items for image in item["images"] if image["url"] in missing]
    assert failed and all(image["error"] == "http 404" for image in failed)


def test_seed_document_is_reproduced_byte_for_byte(runs, tmp_path):
    _, first, _, _ = runs
    item = {**first.item(SEED_ID), "fetched_at": "2025-02-18T07:39:02Z"}
    expected = SEED_DOCUMENT.read_bytes()
    rendered = render_document(item, image_proxy="https://images.weserv.nl?url=", image_width=900)
    assert rendered.encode("utf-8") == expected
    feed = tmp_path / "seed.jsonl"
    feed.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "newscrawl.archive", str(feed), str(tmp_path / "archive"),
         "--image-proxy", "https://images.weserv.nl?url=", "--image-width", "900"],
        cwd=REPO, check=True, capture_output=True,
    )
    assert (tmp_path / "archive" / "voachinese" / f"{SEED_ID}.txt").read_bytes() == expected
    assert f"(voachinese/{SEED_ID}.txt)" in (tmp_path / "archive" / "index.md").read_text(encoding="utf-8")


def test_sqlite_and_postgresql_hold_the_same_rows(runs, served, postgres_database, tmp_path):
    data, _, _, _ = runs
    crawl = run_crawl(
        tmp_path, base_url=served["original"][1],
        settings={"NEWSCRAWL_DATABASE_URL": postgres_database, "NEWSCRAWL_IMAGE_WIDTH": "0"},
    )
    assert crawl.returncode == 0, crawl.log[-2000:]
    with open_store(None, data) as sqlite, open_store(postgres_database, Path()) as postgres:
        assert rows(postgres) == rows(sqlite, latest_of_original=True)


def rows(store, latest_of_original: bool = False) -> dict[str, tuple]:
    """Per article: what both stores must agree on (the SQLite one saw the revision later)."""
    found = {}
    for item in store.iter_items():
        if latest_of_original and item["article_id"] == REVISED:
            item = store.versions(REVISED)[0]
        found[item["article_id"]] = (item["url"], item["title"], item["published_at"], item["content_hash"], item["version"])
    return found


def test_a_full_recrawl_fetches_every_article_and_emits_only_changes(runs, served, tmp_path):
    data, _, _, _ = runs
    site, base_url = served["revised"]
    crawl = run_crawl(
        tmp_path, base_url=base_url, settings={"NEWSCRAWL_DATA_DIR": str(data), "NEWSCRAWL_INCREMENTAL": "false"}
    )
    assert crawl.returncode == 0, crawl.log[-2000:]
    assert crawl.stat("newscrawl/articles/requested") == len(site.article_ids()) + 2
    assert crawl.stat("newscrawl/store/unchanged") == len(site.article_ids())
    assert crawl.items == []
