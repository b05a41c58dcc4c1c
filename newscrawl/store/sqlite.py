"""The SQLite back end: one file in the data directory, nothing to set up.

One connection shared under a lock; saves are committed in batches (every ``commit_every``
saves, and on :meth:`~SQLiteStore.commit` / :meth:`~SQLiteStore.close`) in WAL mode, so a
crawl pays for one fsync per batch, not per article, and readers never block it. Each save is
a savepoint: one that fails leaves no half-written article and keeps the rest of the batch.
One crawl writes to a file at a time; parallel workers need PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newscrawl.store.base import ArticleStore

# Seconds a connection waits for another one's write lock before "database is locked".
BUSY_TIMEOUT = 30.0
# Rows fetched at a time when streaming items.
FETCH_SIZE = 200


class SQLiteStore(ArticleStore):
    def __init__(self, path: Path, commit_every: int):
        self.path = path
        self.commit_every = commit_every
        self._pending = 0
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Transactions are ours to open (isolation_level=None): a batch spans many saves.
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self.create_schema()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            self._db.execute("SAVEPOINT operation")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK TO operation")
                raise
            finally:
                self._db.execute("RELEASE operation")

    def _saved(self) -> None:
        self._pending += 1
        if self._pending >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.commit()
            self._pending = 0

    def _stream(self, statement: str, params: tuple) -> Iterator[tuple]:
        # A connection of its own: a long export neither holds the lock nor blocks saves.
        self.commit()
        reader = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
        try:
            cursor = reader.execute(statement, params)
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from rows
        finally:
            reader.close()

    def close(self) -> None:
        with self._lock:
            self.commit()
            self._db.close()

