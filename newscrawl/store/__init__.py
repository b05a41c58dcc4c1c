"""The article store: one record per article (its latest version) and every version it had.

Two back ends behind :class:`~newscrawl.store.base.ArticleStore`: SQLite in the data directory
(the default, nothing to set up) and PostgreSQL when ``NEWSCRAWL_DATABASE_URL`` is a
``postgresql://`` URL. Both create their tables when they open.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.settings import BaseSettings

from newscrawl.datadir import data_dir
from newscrawl.errors import ConfigurationError
from newscrawl.store.base import ArticleStore, SaveResult, StoredArticle, StoredSignature, StoreError
from newscrawl.store.sqlite import SQLiteStore
from newscrawl.store.writer import InlineStoreWriter, StoreWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = [
    "ArticleStore", "SaveResult", "StoredArticle", "StoredSignature", "StoreError",
    "InlineStoreWriter", "StoreWriter", "crawler_store", "crawler_writer", "open_store", "open_store_from_settings",
]

logger = logging.getLogger(__name__)

SQLITE_FILE = "newscrawl.sqlite3"
POSTGRES_SCHEMES = ("postgresql", "postgres")
# Saves per SQLite commit: a crash loses at most this many, which the next run fetches again.
COMMIT_EVERY = 100


def open_store(
    database_url: str | None, data_dir: Path, pool_size: int = 4, commit_every: int = COMMIT_EVERY
) -> ArticleStore:
    """PostgreSQL at ``database_url`` (pooled, at most ``pool_size`` connections), or SQLite
    at ``<data_dir>/newscrawl.sqlite3`` (committed every ``commit_every`` saves) without one."""
    if not database_url:
        return SQLiteStore(Path(data_dir) / SQLITE_FILE, commit_every)
    scheme = urlsplit(database_url).scheme
    if scheme not in POSTGRES_SCHEMES:
        raise ConfigurationError(
            f"NEWSCRAWL_DATABASE_URL must be a postgresql:// URL, or empty for SQLite; got {scheme or 'no'} scheme"
        )
    from newscrawl.store.postgres import PostgresStore  # psycopg: imported by the crawls that use it

    return PostgresStore(database_url, pool_size)


def open_store_from_settings(settings: BaseSettings) -> ArticleStore:
    """The store a crawl's settings name: ``NEWSCRAWL_DATABASE_URL`` (else the environment
    variable of that name), ``NEWSCRAWL_DATA_DIR`` and ``NEWSCRAWL_STORE_COMMIT_EVERY``. The
    pool holds one connection per thread that can save at once (Scrapy's thread pool, at most
    ``CONCURRENT_REQUESTS``)."""
    return open_store(
        settings.get("NEWSCRAWL_DATABASE_URL") or os.environ.get("NEWSCRAWL_DATABASE_URL"),
        data_dir(settings),
        pool_size=min(settings.getint("CONCURRENT_REQUESTS"), settings.getint("REACTOR_THREADPOOL_MAXSIZE")),
        commit_every=settings.getint("NEWSCRAWL_STORE_COMMIT_EVERY", COMMIT_EVERY),
    )


_crawler_stores: WeakKeyDictionary[Crawler, ArticleStore] = WeakKeyDictionary()
_crawler_writers: WeakKeyDictionary[Crawler, StoreWriter | InlineStoreWriter] = WeakKeyDictionary()


def crawler_store(crawler: Crawler) -> ArticleStore:
    """The crawl's store, shared by every component that asks for it: opened from the crawl's
    settings by the first, closed (everything committed) when the spider closes, after the item
    pipelines' ``close_spider``.

    One store, not one per component: a SQLite write transaction stays open for a whole commit
    batch, and a second connection writing to the same file would wait for it, then fail with
    "database is locked".
    """
    store = _crawler_stores.get(crawler)
    if store is None:
        store = _crawler_stores[crawler] = open_store_from_settings(crawler.settings)
        crawler.signals.connect(lambda: _close(crawler, store), signal=signals.spider_closed, weak=False)
    return store


def crawler_writer(crawler: Crawler) -> StoreWriter | InlineStoreWriter:
    """The one writer that does the crawl's store work (see :mod:`newscrawl.store.writer`):
    in the reactor's thread for SQLite, a thread of its own for PostgreSQL; shared like
    :func:`crawler_store`'s store, at most ``NEWSCRAWL_STORE_COMMIT_EVERY`` saves per commit;
    stopped before the store closes."""
    writer = _crawler_writers.get(crawler)
    if writer is None:
        store = crawler_store(crawler)
        group = crawler.settings.getint("NEWSCRAWL_STORE_COMMIT_EVERY", COMMIT_EVERY)
        kind = InlineStoreWriter if isinstance(store, SQLiteStore) else StoreWriter
        writer = _crawler_writers[crawler] = kind(store, group)
    return writer


def _close(crawler: Crawler, store: ArticleStore) -> None:
    writer = _crawler_writers.pop(crawler, None)
    if writer is not None:
        writer.stop()
    store.close()
    logger.info("Store closed with everything committed")
