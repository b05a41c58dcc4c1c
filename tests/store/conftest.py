"""Every store test runs against both back ends: SQLite in a temporary data directory and a
fresh database on the session's real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newscrawl.store import ArticleStore, open_store


@dataclass
class Backend:
    name: str
    database_url: str | None
    data_dir: Path

    def open(self, **options) -> ArticleStore:
        return open_store(self.database_url, self.data_dir, **options)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    return Backend(request.param, url, tmp_path / "data")


@pytest.fixture
def store(backend: Backend) -> Iterator[ArticleStore]:
    opened = backend.open()
    yield opened
    opened.close()
