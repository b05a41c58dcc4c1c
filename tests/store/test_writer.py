"""The store writers: an operation's Deferred fires once its writes are committed, visible to
another connection; a failed operation or commit fails its callers."""

from __future__ import annotations

import sqlite3

import pytest

from newscrawl.store import InlineStoreWriter, open_store
from tests.samples import sample_item


def stored_ids(path) -> list[str]:
    with sqlite3.connect(path) as other:
        return [row[0] for row in other.execute("SELECT article_id FROM articles")]


def test_an_inline_save_is_committed_when_its_deferred_fires(tmp_path):
    store = open_store(None, tmp_path, commit_every=1000)  # the store itself would wait for 1,000
    seen = []
    writer = InlineStoreWriter(store, group=1)
    writer.run(store.save, sample_item("1")).addCallback(lambda result: seen.append((result.status, stored_ids(store.path))))
    assert seen == [("new", ["1"])]
    store.close()


def test_a_failing_operation_fails_its_caller_only(tmp_path):
    store = open_store(None, tmp_path, commit_every=1000)
    writer = InlineStoreWriter(store, group=1)
    failures = []
    writer.run(store.save, {"article_id": "2"}).addErrback(failures.append)  # no content_hash
    writer.run(store.save, sample_item("3"))
    assert [failure.type for failure in failures] == [KeyError]
    assert stored_ids(store.path) == ["3"]
    store.close()


@pytest.mark.parametrize("group", [1, 3])
def test_a_failed_commit_fails_every_operation_it_held(tmp_path, group, monkeypatch):
    store = open_store(None, tmp_path, commit_every=1000)
    writer = InlineStoreWriter(store, group=group)
    monkeypatch.setattr(store, "commit", lambda: (_ for _ in ()).throw(sqlite3.OperationalError("disk full")))
    failures = []
    for ident in "456"[:group]:
        writer.run(store.save, sample_item(ident)).addErrback(failures.append)
    assert [str(failure.value) for failure in failures] == ["disk full"] * group
