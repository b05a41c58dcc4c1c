"""End-to-end: a story the replica republishes under a new id is marked as repeating it."""

from __future__ import annotations

import pytest

from newscrawl.replica import ReplicaSite, serve
from newscrawl.store import open_store
from tests.crawling import run_crawl

ORIGINAL = "7900004"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    site = ReplicaSite(size=12, seed=7, republished=(ORIGINAL,))
    with serve(site) as server:
        root = tmp_path_factory.mktemp("republished")
        yield site, root / "data", run_crawl(root, base_url=server.base_url)


def test_the_copy_is_stored_as_repeating_the_original_and_nothing_else_is(crawled):
    site, data, crawl = crawled
    assert crawl.returncode == 0, crawl.log[-3000:]
    ((copy, original),) = site.republished_ids().items()
    with open_store(None, data) as store:
        marked = {item["article_id"]: item["duplicate_of"] for item in store.iter_items() if item.get("duplicate_of")}
    assert marked == {copy: original}
    # Marked as it passed if the original came first, else corrected when the spider closed.
    assert crawl.stat("newscrawl/near_duplicates") + crawl.stat("newscrawl/near_duplicates/corrected") == 1
    assert crawl.item(copy)["duplicate_of"] in (original, None)
    assert crawl.item(original)["duplicate_of"] is None
    assert crawl.stat("newscrawl/near_duplicates/skipped_short") > 0  # the video and audio pages
