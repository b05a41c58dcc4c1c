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
