"""The article store, on SQLite and on a real PostgreSQL server (see conftest.py)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone

import pytest
from scrapy.settings import Settings

from newscrawl.errors import ConfigurationError
from newscrawl.items import ArticleItem
from newscrawl.store import SaveResult, StoredArticle, StoreError, base, open_store, open_store_from_settings, postgres
from newscrawl.store.sqlite import SQLiteStore
from tests.samples import sample_item
from tests.servers import free_port


def test_first_save_is_version_1(store):
    item = sample_item("100")
    assert store.save(item) == SaveResult("new", 1, None)
    assert store.latest("100") == StoredArticle("100", item["content_hash"], 1, "2024-05-02T14:30:00Z",
                                                "2024-05-02T14:30:00Z")
    assert store.count() == 1
    assert [v["version"] for v in store.versions("100")] == [1]


def test_same_content_writes_nothing(store):
    store.save(sample_item("100"))
    again = sample_item("100", fetched_at="2025-03-02T00:00:00Z", summary="only the summary differs")
    assert store.save(again) == SaveResult("unchanged", 1, None)
    assert len(store.versions("100")) == 1
    assert next(store.iter_items())["fetched_at"] == "2025-03-01T00:00:00Z"


def test_changed_content_is_the_next_version(store):
    first = sample_item("100")
    second = sample_item("100", title="Library reopens after repairs", fetched_at="2025-03-02T00:00:00Z")
    store.save(first)
    assert store.save(second) == SaveResult("changed", 2, first["content_hash"])
    assert store.latest("100").content_hash == second["content_hash"]
    assert store.latest("100").version == 2
    assert store.count() == 1
    (latest,) = store.iter_items()
    assert latest == {**second, "version": 2, "previous_hash": first["content_hash"]}
    history = store.versions("100")
    assert [(v["version"], v["title"], v["previous_hash"]) for v in history] == [
        (1, first["title"], None),
        (2, "Library reopens after repairs", first["content_hash"]),
    ]


def test_changing_back_is_a_new_version_too(store):
    original, edited = sample_item("100"), sample_item("100", title="Edited")
    results = [store.save(item) for item in (original, edited, original, original)]
    assert [(r.status, r.version) for r in results] == [("new", 1), ("changed", 2), ("changed", 3), ("unchanged", 3)]
    assert results[2].previous_hash == edited["content_hash"]


def test_scrapy_items_are_saved_like_dicts(store):
    assert store.save(ArticleItem(sample_item("100"))).status == "new"
    assert next(store.iter_items())["article_id"] == "100"


def test_latest_many_looks_up_in_batches(store, monkeypatch):
    monkeypatch.setattr(base, "LOOKUP_BATCH", 2)
    for number in range(5):
        store.save(sample_item(str(number), title=f"Story {number}"))
    found = store.latest_many(["4", "0", "missing", "2", "3", "1", "4"])
    assert sorted(found) == ["0", "1", "2", "3", "4"]
    assert found["3"] == StoredArticle("3", sample_item("3", title="Story 3")["content_hash"], 1,
                                       "2024-05-02T14:30:00Z", "2024-05-02T14:30:00Z")
    assert store.latest("missing") is None
    assert store.latest_many([]) == {}


def test_iter_items_since_oldest_first(store):
    for article_id, published in [("3", "2025-01-03T08:00:00Z"), ("1", "2025-01-01T23:59:59Z"),
                                  ("2", "2025-01-02T00:00:00Z"), ("4", "2025-01-02T00:00:00Z")]:
        store.save(sample_item(article_id, published_at=published))
    assert [i["article_id"] for i in store.iter_items()] == ["1", "2", "4", "3"]
    since = datetime(2025, 1, 2, tzinfo=timezone.utc)
    assert [i["article_id"] for i in store.iter_items(since=since)] == ["2", "4", "3"]
    assert [i["article_id"] for i in store.iter_items(since=datetime(2025, 1, 2, 8, 0, 1))] == ["3"]
    assert list(store.iter_items(since=datetime(2026, 1, 1))) == []


def test_items_come_back_whole_in_field_order(store):
    item = sample_item("100")
    store.save(item)
    (stored,) = store.iter_items()
    assert stored == {**item, "version": 1, "previous_hash": None}
    assert list(stored) == [name for name in ArticleItem.fields if name in stored]


def test_iter_items_streams_more_rows_than_one_fetch(store):
    total = 450  # above both back ends' FETCH_SIZE
    for number in range(total):
        store.save(sample_item(str(number), published_at=f"2025-01-01T00:{number // 60:02d}:{number % 60:02d}Z"))
    items = store.iter_items()
    assert next(items)["article_id"] == "0"
    assert sum(1 for _ in items) == total - 1


HOSTILE = [
    "'; DROP TABLE articles; --",
    'Robert"); DROP TABLE article_versions;-- \\ \\\\ %s %(x)s ? $1 :name',
    "tab\tcr\rbell\x07esc\x1b unit\x1f del\x7f",
    "美国之音 «quotes» ‘’ “” \u200b\u2028 🙂",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_stored_verbatim(store, text):
    item = sample_item("100", title=text, summary=text, body_text=text, tags=[text], section=text)
    assert store.save(item).status == "new"
    assert store.save(sample_item("100", title=text, summary=text, body_text=text, tags=[text],
                                section=text)).status == "unchanged"
    (stored,) = store.iter_items()
    assert (stored["title"], stored["summary"], stored["body_text"], stored["tags"]) == (text, text, text, [text])
    assert store.latest("100").content_hash == item["content_hash"]
    assert store.count() == 1


def test_a_value_the_database_refuses_is_a_store_error(store, backend):
    item = sample_item("100", title="NUL \x00 inside")
    if backend.name == "sqlite":  # SQLite stores it; PostgreSQL's text refuses NUL
        assert store.save(item).status == "new"
        return
    with pytest.raises(StoreError, match="article 100: the database refused the item"):
        store.save(item)
    assert store.count() == 0


def test_hostile_article_ids(store):
    ids = ["1' OR '1'='1", "2); DELETE FROM articles; --"]
    for article_id in ids:
        store.save(sample_item(article_id))
    assert sorted(store.latest_many(ids)) == sorted(ids)
    assert store.count() == 2


def test_close_commits_and_reopening_sees_everything(backend):
    store = backend.open(commit_every=1000)
    store.save(sample_item("100"))
    store.save(sample_item("100", title="Edited"))
    store.save(sample_item("200"))
    store.close()
    reopened = backend.open()
    try:
        assert reopened.count() == 2
        assert reopened.latest("100").version == 2
        assert reopened.save(sample_item("100", title="Edited")).status == "unchanged"
        assert len(reopened.versions("100")) == 2
    finally:
        reopened.close()


def test_a_writer_that_lost_a_race_reads_again(store, monkeypatch):
    """Another process saved version 1 between this save's read and its write."""
    store.save(sample_item("100"))
    real_select = store._select_latest
    stale_reads = iter([{}])
    monkeypatch.setattr(store, "_select_latest", lambda *args: next(stale_reads, None) or real_select(*args))
    assert store.save(sample_item("100", title="Edited")) == SaveResult("changed", 2, sample_item("100")["content_hash"])
    assert [v["version"] for v in store.versions("100")] == [1, 2]


def test_tables_that_disagree_raise_store_error(store):
    store.save(sample_item("100"))
    with store._connection() as connection:
        connection.execute("DELETE FROM articles")
    with pytest.raises(StoreError, match="article 100: version 1 is already stored"):
        store.save(sample_item("100", title="Edited"))


def test_a_failed_save_leaves_nothing_half_written(store):
    store.save(sample_item("100"))
    with pytest.raises(KeyError):
        store.save({key: value for key, value in sample_item("200").items() if key != "url"})
    with pytest.raises(KeyError):
        store.save({key: value for key, value in sample_item("100", title="Edited").items() if key != "url"})
    store.commit()
    assert (store.count(), store.versions("200"), len(store.versions("100"))) == (1, [], 1)


# --- SQLite only ------------------------------------------------------------------------------


def test_sqlite_store_is_in_the_data_dir_in_wal_mode(tmp_path):
    store = open_store(None, tmp_path / "data")
    try:
        assert isinstance(store, SQLiteStore)
        assert store.path == tmp_path / "data" / "newscrawl.sqlite3"
        assert store._db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "data" / "newscrawl.sqlite3") as reader:
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert {name for (name,) in reader.execute("SELECT name FROM sqlite_master")} >= {
            "articles", "article_versions", "articles_published_at"
        }


def test_sqlite_commits_every_n_saves(tmp_path):
    store = open_store(None, tmp_path, commit_every=2)
    reader = sqlite3.connect(tmp_path / "newscrawl.sqlite3")
    committed = lambda: reader.execute("SELECT COUNT(*) FROM articles").fetchone()[0]  # noqa: E731
    try:
        store.save(sample_item("1"))
        assert (store.count(), committed()) == (1, 0)
        store.save(sample_item("1"))  # unchanged: nothing to commit
        assert committed() == 0
        store.save(sample_item("2"))
        assert committed() == 2
        store.save(sample_item("3"))
        store.commit()
        assert committed() == 3
    finally:
        reader.close()
        store.close()


# --- Opening ----------------------------------------------------------------------------------


def test_other_database_urls_are_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="postgresql:// URL.*got mysql scheme"):
        open_store("mysql://root:secret@localhost/news", tmp_path)


def test_unreachable_postgresql_says_where_without_the_password(tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "CONNECT_TIMEOUT", 1.0)
    port = free_port()
    with pytest.raises(ConfigurationError, match=f"database news at 127.0.0.1:{port} within 1 s") as raised:
        open_store(f"postgresql://crawler:secret@127.0.0.1:{port}/news", tmp_path)
    assert "secret" not in str(raised.value)


def test_open_store_from_settings(tmp_path, postgres_database, monkeypatch):
    monkeypatch.delenv("NEWSCRAWL_DATABASE_URL", raising=False)
    settings = Settings({"NEWSCRAWL_DATA_DIR": str(tmp_path), "NEWSCRAWL_STORE_COMMIT_EVERY": 7})
    with open_store_from_settings(settings) as store:
        assert (store.path, store.commit_every) == (tmp_path / "newscrawl.sqlite3", 7)
    monkeypatch.setenv("NEWSCRAWL_DATABASE_URL", postgres_database)
    with open_store_from_settings(Settings({"CONCURRENT_REQUESTS": 3})) as store:
        assert isinstance(store, postgres.PostgresStore)
        assert store._pool.max_size == 3
        store.save(sample_item("100"))
    with open_store(postgres_database, tmp_path) as store:
        assert store.count() == 1


def test_workers_opening_a_fresh_postgresql_database_together_create_its_schema_once(postgres_database):
    barrier, errors = threading.Barrier(6), []

    def open_and_close() -> None:
        barrier.wait()
        try:
            postgres.PostgresStore(postgres_database, pool_size=1).close()
        except Exception as error:  # noqa: BLE001 - any failure of a worker's start is the finding
            errors.append(error)

    workers = [threading.Thread(target=open_and_close) for _ in range(barrier.parties)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
