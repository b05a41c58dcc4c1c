"""What every article store does, in SQL both back ends accept.

A back end says only how it gets a connection (:meth:`ArticleStore._connection`), how it
streams a query, how it commits and closes, and the three words of SQL that differ: the
parameter placeholder, the JSON column type and the binary column type. Statements are
written with ``?`` placeholders and rewritten per back end; upserts use
``INSERT ... ON CONFLICT``, which PostgreSQL and SQLite (3.24+) both speak.

Timestamps are stored as the item carries them (ISO 8601 UTC ending in ``Z``), which sorts
in time order as text in either database.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

import orjson
from itemadapter import ItemAdapter

from newscrawl.errors import NewscrawlError
from newscrawl.items import ArticleItem
from newscrawl.processors import to_utc_iso

SaveStatus = Literal["new", "changed", "unchanged"]

# Reads and writes one save tries before giving up: each retry means another writer saved a
# version of the same article in between.
SAVE_ATTEMPTS = 5
# Ids looked up per statement by latest_many(); well under SQLite's and PostgreSQL's limits.
LOOKUP_BATCH = 500
# Items order in the JSON the store hands back: the item's field order, whatever the database
# did to it (PostgreSQL's JSONB reorders keys).
FIELD_ORDER = {name: position for position, name in enumerate(ArticleItem.fields)}

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS articles (
        article_id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        published_at TEXT NOT NULL,
        updated_at TEXT,
        fetched_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        version INTEGER NOT NULL,
        duplicate_of TEXT,
        item {json} NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at, article_id)",
    """CREATE TABLE IF NOT EXISTS article_versions (
        article_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        previous_hash TEXT,
        fetched_at TEXT NOT NULL,
        item {json} NOT NULL,
        PRIMARY KEY (article_id, version)
    )""",
    # MinHash signatures of article bodies (newscrawl.pipelines.near_duplicates), kept apart from
    # the articles: only the candidates a lookup finds are read.
    """CREATE TABLE IF NOT EXISTS article_signatures (
        article_id TEXT PRIMARY KEY,
        published_at TEXT NOT NULL,
        signature {binary} NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS article_signatures_published_at ON article_signatures (published_at)",
    # The LSH band keys of each signature: articles sharing one are candidate near-duplicates.
    # indexed_at: when the article was last met, so a crawl compares what it met, however old.
    """CREATE TABLE IF NOT EXISTS article_bands (
        band BIGINT NOT NULL,
        article_id TEXT NOT NULL,
        published_at TEXT NOT NULL,
        indexed_at TEXT NOT NULL,
        PRIMARY KEY (band, article_id)
    )""",
    "CREATE INDEX IF NOT EXISTS article_bands_article_id ON article_bands (article_id)",
    # Facts about what the store holds, e.g. the LSH layout its band keys were made for.
    "CREATE TABLE IF NOT EXISTS store_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
LATEST_COLUMNS = "article_id, content_hash, version, published_at, updated_at"
SELECT_LATEST = f"SELECT {LATEST_COLUMNS} FROM articles WHERE article_id IN ({{placeholders}})"
# A writer that lost a race for this version changes nothing and reads again (see save()).
INSERT_VERSION = """INSERT INTO article_versions (article_id, version, content_hash, previous_hash, fetched_at, item)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id, version) DO NOTHING"""
UPSERT_ARTICLE = """INSERT INTO articles
    (article_id, site, url, title, published_at, updated_at, fetched_at, content_hash, version, duplicate_of, item)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (article_id) DO UPDATE SET
        site = excluded.site, url = excluded.url, title = excluded.title,
        published_at = excluded.published_at, updated_at = excluded.updated_at,
        fetched_at = excluded.fetched_at, content_hash = excluded.content_hash,
        version = excluded.version, duplicate_of = excluded.duplicate_of, item = excluded.item
    WHERE articles.version < excluded.version"""
SELECT_ITEMS = "SELECT CAST(item AS TEXT) FROM articles {where} ORDER BY published_at, article_id"
SELECT_VERSIONS = "SELECT CAST(item AS TEXT) FROM article_versions WHERE article_id = ? ORDER BY version"
COUNT = "SELECT COUNT(*) FROM articles"
UPSERT_SIGNATURE = """INSERT INTO article_signatures (article_id, published_at, signature) VALUES (?, ?, ?)
    ON CONFLICT (article_id) DO UPDATE SET published_at = excluded.published_at, signature = excluded.signature"""
SIGNATURE_COLUMNS = """s.article_id, s.published_at, s.signature, a.duplicate_of
    FROM article_signatures s LEFT JOIN articles a ON a.article_id = s.article_id"""
SELECT_SIGNATURES = f"SELECT {SIGNATURE_COLUMNS} {{where}} ORDER BY s.published_at, s.article_id"
SELECT_SIGNATURES_OF = f"SELECT {SIGNATURE_COLUMNS} WHERE s.article_id IN ({{placeholders}})"
SELECT_UNBANDED = f"""SELECT {SIGNATURE_COLUMNS}
    WHERE NOT EXISTS (SELECT 1 FROM article_bands b WHERE b.article_id = s.article_id)
    ORDER BY s.published_at, s.article_id LIMIT ?"""
DELETE_BANDS = "DELETE FROM article_bands WHERE article_id = ?"
INSERT_BAND = """INSERT INTO article_bands (band, article_id, published_at, indexed_at) VALUES (?, ?, ?, ?)
    ON CONFLICT DO NOTHING"""
TOUCH_BANDS = "UPDATE article_bands SET indexed_at = ? WHERE article_id = ?"
DELETE_ALL_BANDS = "DELETE FROM article_bands"
BANDS_LAYOUT = "bands_layout"
SIGNATURE_KIND = "signature_kind"
DELETE_ALL_SIGNATURES = "DELETE FROM article_signatures"
ANY_SIGNATURE = "SELECT 1 FROM article_signatures LIMIT 1"
SELECT_FACT = "SELECT value FROM store_facts WHERE name = ?"
UPSERT_FACT = """INSERT INTO store_facts (name, value) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value"""
SELECT_SHARING_BANDS = "SELECT DISTINCT article_id FROM article_bands WHERE band IN ({placeholders}) {since}"
SELECT_ITEM = "SELECT version, CAST(item AS TEXT) FROM articles WHERE article_id = ?"
# Only the version that was read: a newer one saved in between keeps what its own save said.
SET_DUPLICATE_OF = "UPDATE articles SET duplicate_of = ?, item = ? WHERE article_id = ? AND version = ?"


class StoreError(NewscrawlError):
    """The store cannot record an article."""


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...


class Connection(Protocol):
    """What the store needs of a DB-API connection: sqlite3's and psycopg's both fit."""

    def execute(self, query: Any, params: Any = ..., /) -> Cursor: ...

    def cursor(self) -> Cursor: ...


@dataclass(frozen=True)
class StoredArticle:
    """What the store knows of an article's latest version, without its item."""

    article_id: str
    content_hash: str
    version: int
    published_at: str
    updated_at: str | None


@dataclass(frozen=True)
class StoredSignature:
    """An article's body signature (opaque bytes) and what the store says it duplicates."""

    article_id: str
    published_at: str
    signature: bytes
    duplicate_of: str | None


@dataclass(frozen=True)
class SaveResult:
    """What :meth:`ArticleStore.save` did: ``version`` is the article's version after it,
    ``previous_hash`` the content hash the save replaced (None when new or unchanged)."""

    status: SaveStatus
    version: int
    previous_hash: str | None

    @classmethod
    def for_hash(cls, current: StoredArticle | None, content_hash: str) -> SaveResult:
        """The outcome of saving content with ``content_hash`` over ``current``.

        >>> SaveResult.for_hash(None, "a")
        SaveResult(status='new', version=1, previous_hash=None)
        >>> stored = StoredArticle("1", "a", 3, "2025-01-01T00:00:00Z", None)
        >>> SaveResult.for_hash(stored, "a")
        SaveResult(status='unchanged', version=3, previous_hash=None)
        >>> SaveResult.for_hash(stored, "b")
        SaveResult(status='changed', version=4, previous_hash='a')
        """
        if current is None:
            return cls("new", 1, None)
        if current.content_hash == content_hash:
            return cls("unchanged", current.version, None)
        return cls("changed", current.version + 1, current.content_hash)

    @property
    def written(self) -> bool:
        return self.status != "unchanged"

    def item_fields(self) -> dict[str, Any]:
        """The fields a written save sets on the stored item: ``version``, ``previous_hash``."""
        return {"version": self.version, "previous_hash": self.previous_hash}


class ArticleStore(ABC):
    """One record per article (its latest version) plus every version it has had.

    Safe to use from several threads. :meth:`close` commits whatever is pending.
    """

    placeholder = "?"
    json_type = "TEXT"
    # What the back end raises for a value it cannot store (PostgreSQL refuses NUL in text).
    data_errors: tuple[type[Exception], ...] = ()
    binary_type = "BLOB"
    # Run before the schema statements, in their transaction: workers starting together on a
    # fresh database must not create the same tables at once.
    schema_lock: str | None = None

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder)

    @abstractmethod
    def _connection(self) -> AbstractContextManager[Connection]:
        """A connection for one operation, reads and writes: an exception undoes its writes;
        they are committed by the time :meth:`commit` or :meth:`close` returns, maybe before."""

    @abstractmethod
    def _stream(self, statement: str, params: tuple) -> Iterator[tuple]:
        """The rows of a query, fetched a batch at a time, seeing everything saved so far."""

    @abstractmethod
    def commit(self) -> None:
        """Makes every save so far durable and visible to other connections."""

    @abstractmethod
    def close(self) -> None:
        """Commits, then releases the connections."""

    def _saved(self) -> None:
        """Called after each write; a back end that commits in batches counts them here."""

    def create_schema(self) -> None:
        with self._connection() as connection:
            if self.schema_lock:
                connection.execute(self.schema_lock)
            for statement in SCHEMA:
                connection.execute(statement.format(json=self.json_type, binary=self.binary_type))
        self.commit()

    def latest(self, article_id: str) -> StoredArticle | None:
        """The article's latest version, or None if it was never saved."""
        return self.latest_many([article_id]).get(article_id)

    def latest_many(self, article_ids: Iterable[str]) -> dict[str, StoredArticle]:
        """The latest version of each article that was saved, by id (in batched statements)."""
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, StoredArticle] = {}
        with self._connection() as connection:
            for start in range(0, len(ids), LOOKUP_BATCH):
                found.update(self._select_latest(connection, ids[start : start + LOOKUP_BATCH]))
        return found

    def _select_latest(self, connection: Connection, ids: list[str]) -> dict[str, StoredArticle]:
        statement = SELECT_LATEST.format(placeholders=", ".join("?" * len(ids)))
        rows = connection.execute(self._sql(statement), ids).fetchall()
        return {row[0]: StoredArticle(*row) for row in rows}

    def save(self, item: ArticleItem | dict) -> SaveResult:
        """Stores the item as the article's next version unless its content_hash is the
        latest one's; the stored item carries ``version`` and ``previous_hash``."""
        record = ItemAdapter(item).asdict()
        try:
            result = self._save(record)
        except self.data_errors as exc:
            raise StoreError(f"article {record.get('article_id')}: the database refused the item: {exc}") from exc
        if result.written:
            self._saved()
        return result

    def _save(self, record: dict) -> SaveResult:
        article_id = record["article_id"]
        with self._connection() as connection:
            for _ in range(SAVE_ATTEMPTS):
                current = self._select_latest(connection, [article_id]).get(article_id)
                result = SaveResult.for_hash(current, record["content_hash"])
                if not result.written or self._write(connection, {**record, **result.item_fields()}):
                    return result
        raise StoreError(
            f"article {article_id}: version {result.version} is already stored although the latest "
            f"is {result.version - 1}; other writers keep racing or the tables disagree"
        )

    def _write(self, connection: Connection, record: dict) -> bool:
        """Inserts the version, then makes it the latest; False if that version exists."""
        item = item_json(record)
        version = (record["article_id"], record["version"], record["content_hash"], record["previous_hash"],
                   record["fetched_at"], item)
        article = (record["article_id"], record["site"], record["url"], record["title"], record["published_at"],
                   record.get("updated_at"), record["fetched_at"], record["content_hash"], record["version"],
                   record.get("duplicate_of"), item)
        if connection.execute(self._sql(INSERT_VERSION), version).rowcount == 0:
            return False
        connection.execute(self._sql(UPSERT_ARTICLE), article)
        return True

    def iter_items(self, since: datetime | None = None) -> Iterator[dict]:
        """The latest item of every article published at or after ``since`` (a naive datetime
        is UTC), oldest first, streamed."""
        where, params = ("WHERE published_at >= ?", (to_utc_iso(since),)) if since else ("", ())
        for (item,) in self._stream(self._sql(SELECT_ITEMS.format(where=where)), params):
            yield _in_field_order(orjson.loads(item))

    def versions(self, article_id: str) -> list[dict]:
        """Every version the article had, oldest first (empty if it was never saved)."""
        with self._connection() as connection:
            rows = connection.execute(self._sql(SELECT_VERSIONS), (article_id,)).fetchall()
        return [_in_field_order(orjson.loads(item)) for (item,) in rows]

    def save_signature(self, article_id: str, published_at: str, signature: bytes, bands: Sequence[int] = (),
                       met: bool = True) -> None:
        """Records the signature of the article's body and its LSH band keys (signed 64-bit),
        indexed now if a crawl ``met`` the article, replacing the ones it had; visible to
        :meth:`sharing_bands` and :meth:`signatures_of` at once, before any commit."""
        # "" sorts before every instant: indexed at no time :meth:`sharing_bands` asks about.
        indexed_at = instant(datetime.now(timezone.utc)) if met else ""
        with self._connection() as connection:
            connection.execute(self._sql(UPSERT_SIGNATURE), (article_id, published_at, signature))
            connection.execute(self._sql(DELETE_BANDS), (article_id,))
            rows = [(band, article_id, published_at, indexed_at) for band in bands]
            if rows:
                connection.cursor().executemany(self._sql(INSERT_BAND), rows)

    def touch_bands(self, article_id: str) -> None:
        """Records that the article's band keys, unchanged, were indexed again now."""
        with self._connection() as connection:
            connection.execute(self._sql(TOUCH_BANDS), (instant(datetime.now(timezone.utc)), article_id))

    def sharing_bands(self, bands: Sequence[int], since: datetime | None = None,
                      indexed_since: datetime | None = None) -> set[str]:
        """The articles that have at least one of the band keys (one signature's: a few dozen at
        most) and were published at or after ``since`` (None: ever), or indexed at or after
        ``indexed_since`` (None: published counts alone); naive datetimes are UTC."""
        if not bands:
            return set()
        since_clause, since_params = (
            ("AND (published_at >= ? OR indexed_at >= ?)", (to_utc_iso(since), instant(indexed_since)))
            if since and indexed_since
            else ("AND published_at >= ?", (to_utc_iso(since),)) if since
            else ("", ())
        )
        statement = SELECT_SHARING_BANDS.format(placeholders=", ".join("?" * len(bands)), since=since_clause)
        with self._connection() as connection:
            rows = connection.execute(self._sql(statement), (*bands, *since_params)).fetchall()
        return {article_id for (article_id,) in rows}

    def signatures_of(self, article_ids: Iterable[str]) -> dict[str, StoredSignature]:
        """The stored signature of each of these articles that has one, by id (batched)."""
        ids = list(dict.fromkeys(article_ids))
        found: dict[str, StoredSignature] = {}
        with self._connection() as connection:
            for start in range(0, len(ids), LOOKUP_BATCH):
                batch = ids[start : start + LOOKUP_BATCH]
                statement = SELECT_SIGNATURES_OF.format(placeholders=", ".join("?" * len(batch)))
                for row in connection.execute(self._sql(statement), batch).fetchall():
                    found[row[0]] = _stored_signature(*row)
        return found

    def keep_bands_of(self, layout: str) -> bool:
        """Records that the band keys are made for ``layout`` (an LSH layout: the keys of one
        do not meet those of another); if the store recorded another, deletes every band key,
        so that :meth:`unbanded_signatures` lists every signature again, and says so. A store
        that recorded none keeps its keys: they were made before layouts were recorded."""
        with self._connection() as connection:
            row = connection.execute(self._sql(SELECT_FACT), (BANDS_LAYOUT,)).fetchone()
            outdated = row is not None and row[0] != layout
            if outdated:
                connection.execute(DELETE_ALL_BANDS)
            connection.execute(self._sql(UPSERT_FACT), (BANDS_LAYOUT, layout))
        return outdated

    def keep_signatures_of(self, kind: str) -> bool:
        """Records that the signatures are of ``kind``; if the store holds signatures of another
        kind (or of none recorded: made before kinds were), deletes every signature and band
        key, and says so: they cannot be compared with the new ones."""
        with self._connection() as connection:
            row = connection.execute(self._sql(SELECT_FACT), (SIGNATURE_KIND,)).fetchone()
            outdated = row[0] != kind if row else connection.execute(ANY_SIGNATURE).fetchone() is not None
            if outdated:
                connection.execute(DELETE_ALL_BANDS)
                connection.execute(DELETE_ALL_SIGNATURES)
            connection.execute(self._sql(UPSERT_FACT), (SIGNATURE_KIND, kind))
        return outdated

    def unbanded_signatures(self, limit: int = LOOKUP_BATCH) -> list[StoredSignature]:
        """The first ``limit`` stored signatures without band keys (saved before there were
        any, or after :meth:`keep_bands_of` deleted them), oldest first."""
        with self._connection() as connection:
            rows = connection.execute(self._sql(SELECT_UNBANDED), (limit,)).fetchall()
        return [_stored_signature(*row) for row in rows]

    def signatures(self, since: datetime | None = None) -> Iterator[StoredSignature]:
        """The signature of every article published at or after ``since`` (a naive datetime is
        UTC), oldest first, streamed, with the article's ``duplicate_of`` (None if not stored)."""
        where, params = ("WHERE s.published_at >= ?", (to_utc_iso(since),)) if since else ("", ())
        for row in self._stream(self._sql(SELECT_SIGNATURES.format(where=where)), params):
            yield _stored_signature(*row)

    def set_duplicate_of(self, article_id: str, duplicate_of: str | None) -> bool:
        """Sets ``duplicate_of`` on the article's latest item (not a new version: its content
        did not change); False if the article is not stored."""
        with self._connection() as connection:
            row = connection.execute(self._sql(SELECT_ITEM), (article_id,)).fetchone()
            if row is None:
                return False
            version, item = row
            updated = item_json({**orjson.loads(item), "duplicate_of": duplicate_of})
            cursor = connection.execute(self._sql(SET_DUPLICATE_OF), (duplicate_of, updated, article_id, version))
            return cursor.rowcount == 1

    def count(self) -> int:
        """How many articles the store holds (one per article, whatever its versions)."""
        with self._connection() as connection:
            return connection.execute(COUNT).fetchone()[0]

    def __enter__(self) -> ArticleStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def item_json(record: dict) -> str:
    """The item as JSON text, by orjson; by the standard library for what orjson refuses (a
    lone surrogate in a string).

    >>> item_json({"title": "美国之音", "n": 1}), item_json({"title": "\\ud800"})
    ('{"title":"美国之音","n":1}', '{"title": "\\ud800"}')
    """
    try:
        return orjson.dumps(record).decode()
    except orjson.JSONEncodeError:
        return json.dumps(record, ensure_ascii=False)


def instant(moment: datetime) -> str:
    """A moment in UTC to the microsecond, as text that sorts in time order (a naive one is UTC).

    >>> instant(datetime(2025, 2, 18, 15, 27, 23, 5))
    '2025-02-18T15:27:23.000005Z'
    """
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _stored_signature(article_id: str, published_at: str, signature: Any, duplicate_of: str | None) -> StoredSignature:
    """From a row: the back end's binary type (PostgreSQL's is memoryview) made bytes."""
    return StoredSignature(article_id, published_at, bytes(signature), duplicate_of)


def _in_field_order(item: dict) -> dict:
    """
    >>> _in_field_order({"title": "t", "extra": 1, "url": "u"})
    {'url': 'u', 'title': 't', 'extra': 1}
    """
    return dict(sorted(item.items(), key=lambda pair: FIELD_ORDER.get(pair[0], len(FIELD_ORDER))))
