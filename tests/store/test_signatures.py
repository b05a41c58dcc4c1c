"""Body signatures and ``duplicate_of`` in the store, on SQLite and PostgreSQL (see conftest.py),
and the store a crawl's components share."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from newscrawl.store import StoredSignature, crawler_store
from tests.samples import sample_item

# Every byte value, NUL and quote included: signatures are binary.
SIGNATURE = bytes(range(256)) + b"'\x00\"; DROP TABLE articles; --"


def test_signatures_come_back_oldest_first_with_duplicate_of(store):
    store.save(sample_item("1", published_at="2025-01-03T00:00:00Z"))
    store.save(sample_item("2", published_at="2025-01-05T00:00:00Z", duplicate_of="1"))
    store.save_signature("2", "2025-01-05T00:00:00Z", SIGNATURE)
    store.save_signature("1", "2025-01-03T00:00:00Z", b"first")
    store.save_signature("3", "2025-01-04T00:00:00Z", b"no article saved yet")
    assert list(store.signatures()) == [
        StoredSignature("1", "2025-01-03T00:00:00Z", b"first", None),
        StoredSignature("3", "2025-01-04T00:00:00Z", b"no article saved yet", None),
        StoredSignature("2", "2025-01-05T00:00:00Z", SIGNATURE, "1"),
    ]


def test_signatures_since_a_time(store):
    for article_id, published in [("1", "2025-01-01T23:59:59Z"), ("2", "2025-01-02T00:00:00Z"),
                                  ("3", "2025-02-01T00:00:00Z")]:
        store.save_signature(article_id, published, article_id.encode())
    since = datetime(2025, 1, 2, tzinfo=timezone.utc)
    assert [s.article_id for s in store.signatures(since=since)] == ["2", "3"]
    assert list(store.signatures(since=datetime(2026, 1, 1))) == []


def test_a_new_signature_replaces_the_old_one(store):
    store.save_signature("1", "2025-01-01T00:00:00Z", b"old")
    store.save_signature("1", "2025-01-02T00:00:00Z", b"new")
    assert list(store.signatures()) == [StoredSignature("1", "2025-01-02T00:00:00Z", b"new", None)]


def test_articles_sharing_a_band_key_since_a_time(store):
    store.save_signature("1", "2025-01-01T00:00:00Z", b"one", [-(2**63), 5, 7])
    store.save_signature("2", "2025-02-01T00:00:00Z", b"two", [7, 2**63 - 1])
    store.save_signature("3", "2025-03-01T00:00:00Z", b"three", [9])
    assert store.sharing_bands([7]) == {"1", "2"}
    assert store.sharing_bands([-(2**63), 2**63 - 1, 8]) == {"1", "2"}
    assert store.sharing_bands([7, 9], since=datetime(2025, 2, 1)) == {"2", "3"}
    assert store.sharing_bands([8]) == store.sharing_bands([]) == set()


def test_band_keys_of_another_layout_are_deleted_those_of_the_recorded_one_kept(store):
    store.save_signature("1", "2025-01-01T00:00:00Z", b"one", [7])
    assert store.keep_bands_of("16 bands of 8 rows") is False  # none recorded: made before layouts were
    assert store.keep_bands_of("16 bands of 8 rows") is False
    assert store.sharing_bands([7]) == {"1"} and store.unbanded_signatures() == []
    assert store.keep_bands_of("26 bands of 3 rows") is True
    assert store.sharing_bands([7]) == set()
    assert [s.article_id for s in store.unbanded_signatures()] == ["1"]
    assert store.keep_bands_of("26 bands of 3 rows") is False


def test_articles_sharing_a_band_key_indexed_since_a_time_however_old(store):
    store.save_signature("1", "2020-01-01T00:00:00Z", b"one", [7])
    store.save_signature("2", "2020-01-01T00:00:00Z", b"two", [7])
    started = datetime.now(timezone.utc)
    store.save_signature("3", "2020-01-01T00:00:00Z", b"three", [7])
    store.touch_bands("2")
    assert store.sharing_bands([7], since=datetime(2025, 1, 1), indexed_since=started) == {"2", "3"}
    assert store.sharing_bands([7], since=datetime(2025, 1, 1)) == set()
    assert store.sharing_bands([7], indexed_since=started) == {"1", "2", "3"}  # no window: every one


def test_signatures_without_band_keys_oldest_first(store):
    store.save_signature("1", "2025-01-03T00:00:00Z", b"one")
    store.save_signature("2", "2025-01-01T00:00:00Z", b"two")
    store.save_signature("3", "2025-01-02T00:00:00Z", b"three", [1])
    store.save_signature("4", "2025-01-04T00:00:00Z", b"four")
    assert [s.article_id for s in store.unbanded_signatures()] == ["2", "1", "4"]
    assert store.unbanded_signatures(limit=1) == [StoredSignature("2", "2025-01-01T00:00:00Z", b"two", None)]
    store.save_signature("2", "2025-01-01T00:00:00Z", b"two", [5], met=False)
    assert [s.article_id for s in store.unbanded_signatures()] == ["1", "4"]
    assert store.sharing_bands([5], since=datetime(2026, 1, 1), indexed_since=datetime(2000, 1, 1)) == set()


def test_new_band_keys_replace_the_old_ones(store):
    store.save_signature("1", "2025-01-01T00:00:00Z", b"old", [1, 2])
    store.save_signature("1", "2025-01-05T00:00:00Z", b"new", [2, 3])
    assert (store.sharing_bands([1]), store.sharing_bands([3])) == (set(), {"1"})
    assert store.sharing_bands([2], since=datetime(2025, 1, 3)) == {"1"}


def test_signatures_of_some_articles_with_duplicate_of(store):
    store.save(sample_item("2", published_at="2025-01-05T00:00:00Z", duplicate_of="1"))
    store.save_signature("2", "2025-01-05T00:00:00Z", SIGNATURE, [1])
    store.save_signature("3", "2025-01-04T00:00:00Z", b"three", [1])
    assert store.signatures_of(["2", "404", "3", "2"]) == {
        "2": StoredSignature("2", "2025-01-05T00:00:00Z", SIGNATURE, "1"),
        "3": StoredSignature("3", "2025-01-04T00:00:00Z", b"three", None),
    }
    assert store.signatures_of([]) == {}
    ids = [str(n) for n in range(1200)]
    for article_id in ids:
        store.save_signature(article_id, "2025-01-01T00:00:00Z", b"x")
    assert sorted(store.signatures_of(ids)) == sorted(ids)


def test_set_duplicate_of_changes_the_latest_item_not_its_versions(store):
    store.save(sample_item("200"))
    store.save(sample_item("200", title="Edited"))
    assert store.set_duplicate_of("200", "100") is True
    (item,) = store.iter_items()
    assert (item["duplicate_of"], item["title"], item["version"]) == ("100", "Edited", 2)
    assert [v.get("duplicate_of") for v in store.versions("200")] == [None, None]
    assert store.save(sample_item("200", title="Edited")).status == "unchanged"
    store.save_signature("200", "2024-05-02T14:30:00Z", b"sig")
    assert next(store.signatures()).duplicate_of == "100"
    assert store.set_duplicate_of("200", None) is True
    assert next(store.iter_items())["duplicate_of"] is None


def test_set_duplicate_of_an_unknown_article_is_false(store):
    assert store.set_duplicate_of("404", "1") is False
    assert store.count() == 0


def test_reopening_keeps_signatures(backend):
    with backend.open() as first:
        first.save_signature("1", "2025-01-01T00:00:00Z", SIGNATURE)
    with backend.open() as again:
        assert [s.signature for s in again.signatures()] == [SIGNATURE]


def test_a_crawl_shares_one_store_closed_when_the_spider_closes(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSCRAWL_DATABASE_URL", raising=False)
    settings = {"NEWSCRAWL_DATA_DIR": str(tmp_path), "EXTENSIONS": {"scrapy.extensions.corestats.CoreStats": None}}
    crawler, other = get_crawler(settings_dict=settings), get_crawler(settings_dict=settings)
    store = crawler_store(crawler)
    assert crawler_store(crawler) is store
    assert crawler_store(other) is not store
    store.save(sample_item("1"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    with sqlite3.connect(tmp_path / "newscrawl.sqlite3") as reader:
        assert reader.execute("SELECT article_id FROM articles").fetchall() == [("1",)]
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        store.count()
    assert crawler_store(other).count() == 1
    crawler_store(other).close()
