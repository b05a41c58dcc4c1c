"""The PostgreSQL back end: for long runs, parallel workers and querying with SQL.

A pool of connections, sized from the crawl's concurrency; each save is one transaction,
committed when it returns, so :meth:`~PostgresStore.commit` has nothing left to do. Items are
JSONB, so they can be queried in place (``item->>'section'``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from newscrawl.errors import ConfigurationError
from newscrawl.store.base import ArticleStore

# Seconds to wait for the first connection before saying the database cannot be reached.
CONNECT_TIMEOUT = 10.0
# Rows the server-side cursor sends at a time when streaming items.
FETCH_SIZE = 200


class PostgresStore(ArticleStore):
    placeholder = "%s"
    json_type = "JSONB"
    binary_type = "BYTEA"
    data_errors = (psycopg.DataError,)
    # CREATE TABLE IF NOT EXISTS races with itself (a unique violation in pg_type); the lock
    # ends with the schema's transaction.
    schema_lock = "SELECT pg_advisory_xact_lock(7136)"

    def __init__(self, url: str, pool_size: int):
        self._pool = ConnectionPool(url, min_size=1, max_size=max(pool_size, 1), open=False, name="newscrawl-store")
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except PoolTimeout:
            self._pool.close()
            raise ConfigurationError(
                f"cannot connect to PostgreSQL {describe(url)} within {CONNECT_TIMEOUT:.0f} s "
                "(NEWSCRAWL_DATABASE_URL); is the server running and the database created?"
            ) from None
        self.create_schema()

    def _connection(self) -> AbstractContextManager[psycopg.Connection]:
        return self._pool.connection()

    def _stream(self, statement: str, params: tuple) -> Iterator[tuple]:
        with self._pool.connection() as connection, connection.cursor(name="newscrawl_items") as cursor:
            cursor.itersize = FETCH_SIZE
            cursor.execute(statement, params)
            yield from cursor

    def commit(self) -> None:
        """Nothing to do: every save was committed when it returned."""

    def close(self) -> None:
        self._pool.close()


def describe(url: str) -> str:
    """Where a connection URL points, without its password.

    >>> describe("postgresql://crawler:secret@db.example:5433/news")
    'database news at db.example:5433'
    """
    parts = conninfo_to_dict(url)
    return f"database {parts.get('dbname', '?')} at {parts.get('host', 'localhost')}:{parts.get('port', 5432)}"
