"""One writer that does all of a crawl's store work, committing in groups.

The near-duplicate and store pipelines hand their store operations to a writer instead of
Scrapy's thread pool, so no thread waits on another's lock for the one connection, and the
operations that come together are committed once (a group commit). Each operation's Deferred
fires only after the commit that follows it, so an item goes on to the feeds only once its
save is durable, however many saves share a commit.

:class:`StoreWriter` is a thread of its own, for a store across the network (PostgreSQL),
whose round trips must not stall the reactor. :class:`InlineStoreWriter` works in the
reactor's thread, for SQLite: a local file answers in microseconds, less than handing the
work to another thread costs (measured: the hand-off alone took 5% of the crawl's time).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from twisted.internet import defer
from twisted.python.failure import Failure

from newscrawl.store.base import ArticleStore

_STOP = object()


class StoreWriter:
    """Runs operations on ``store`` in order in a thread of its own, at most ``group`` of them
    per commit."""

    def __init__(self, store: ArticleStore, group: int):
        self.store = store
        self.group = max(group, 1)
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def run(self, function: Callable[..., Any], *args: Any) -> defer.Deferred:
        """``function(*args)`` in the writer thread; fires with its result once committed."""
        if self._thread is None:
            # Imported here: importing it at module level would install Twisted's default
            # reactor before Scrapy installs the asyncio one.
            from twisted.internet import reactor

            self._reactor = reactor
            self._thread = threading.Thread(target=self._work, name="newscrawl-store-writer", daemon=True)
            self._thread.start()
        deferred: defer.Deferred = defer.Deferred()
        self._tasks.put((deferred, function, args))
        return deferred

    def stop(self) -> None:
        """Finishes the queued operations, commits and ends the thread."""
        if self._thread is not None:
            self._tasks.put(_STOP)
            self._thread.join()
            self._thread = None

    def _work(self) -> None:
        stopping = False
        while not stopping:
            done, stopping = self._group(self._tasks.get())
            for deferred, outcome in _committed(self.store, done):
                self._reactor.callFromThread(_fire, deferred, outcome)

    def _group(self, task: Any) -> tuple[list[tuple[defer.Deferred, Any]], bool]:
        """Does ``task`` and what else is queued, up to ``group`` tasks; and whether to stop."""
        done = []
        while task is not _STOP:
            deferred, function, args = task
            try:
                done.append((deferred, function(*args)))
            except Exception:  # noqa: BLE001 - handed to the caller
                done.append((deferred, Failure()))
            if len(done) >= self.group:
                return done, False
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                return done, False
        return done, True


def _committed(store: ArticleStore, done: list[tuple[defer.Deferred, Any]]) -> list[tuple[defer.Deferred, Any]]:
    """The outcomes of ``done`` once the store has committed them; the commit's failure for
    each if it failed (their writes are undone)."""
    try:
        store.commit()
    except Exception:  # noqa: BLE001 - each caller gets the failure
        failure = Failure()
        return [(deferred, failure) for deferred, _ in done]
    return done


def _fire(deferred: defer.Deferred, outcome: Any) -> None:
    if isinstance(outcome, Failure):
        deferred.errback(outcome)
    else:
        deferred.callback(outcome)


class InlineStoreWriter:
    """Runs operations on ``store`` at once in the caller's (the reactor's) thread and commits
    those of one reactor turn together, at most ``group`` of them per commit."""

    def __init__(self, store: ArticleStore, group: int):
        self.store = store
        self.group = max(group, 1)
        self._done: list[tuple[defer.Deferred, Any]] = []

    def run(self, function: Callable[..., Any], *args: Any) -> defer.Deferred:
        """``function(*args)`` now; fires with its result once committed."""
        from twisted.internet import reactor  # not at import: see StoreWriter.run

        try:
            outcome = function(*args)
        except Exception:  # noqa: BLE001 - handed to the caller
            outcome = Failure()
        deferred: defer.Deferred = defer.Deferred()
        self._done.append((deferred, outcome))
        if len(self._done) >= self.group:
            self._commit()
        elif len(self._done) == 1:
            reactor.callLater(0, self._commit)
        return deferred

    def stop(self) -> None:
        self._commit()

    def _commit(self) -> None:
        done, self._done = self._done, []
        if done:
            for deferred, outcome in _committed(self.store, done):
                _fire(deferred, outcome)
