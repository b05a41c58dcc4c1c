"""``python -m newscrawl.store.export`` run as a real process, against both back ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.crawling import REPO
from tests.samples import expected_item

ENGLISH, CHINESE = "7600001", "7900001"  # published 2024-05-02 and 2025-02-18


@pytest.fixture
def filled(backend):
    with backend.open() as store:
        for page in ("zh_article", "en_article"):
            store.save(expected_item(page))
    return backend


def export(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("NEWSCRAWL_")}
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.store.export", *arguments],
        cwd=REPO, env={**clean, **(env or {})}, capture_output=True, timeout=60,
    )


def store_arguments(backend) -> list[str]:
    return ["--data-dir", str(backend.data_dir)] + (["--database-url", backend.database_url] if backend.database_url else [])


def test_exports_latest_items_oldest_first_as_utf8(filled, tmp_path):
    out = tmp_path / "articles.jsonl"
    done = export(str(out), *store_arguments(filled))
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip() == f"export: 2 articles written to {out}"
    raw = out.read_bytes()
    assert "测试城市举行防洪演练".encode() in raw and b"\\u" not in raw
    lines = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert lines == [
        {**expected_item(page), "version": 1, "previous_hash": None} for page in ("en_article", "zh_article")
    ]


def test_exports_since_a_day_to_stdout(filled):
    done = export("-", "--since", "2025-02-18", *store_arguments(filled))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["article_id"] for line in done.stdout.decode("utf-8").splitlines()] == [CHINESE]
    done = export("-", "--since", "2025-02-19", *store_arguments(filled))
    assert (done.returncode, done.stdout) == (0, b"")


def test_store_is_named_by_the_environment_by_default(filled):
    env = {"NEWSCRAWL_DATA_DIR": str(filled.data_dir), "NEWSCRAWL_DATABASE_URL": filled.database_url or ""}
    done = export("-", env=env)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["article_id"] for line in done.stdout.decode("utf-8").splitlines()] == [ENGLISH, CHINESE]


def test_a_missing_sqlite_store_is_an_error_not_an_empty_export(tmp_path):
    done = export(str(tmp_path / "out.jsonl"), "--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert f"no store at {tmp_path / 'nowhere' / 'newscrawl.sqlite3'}" in done.stderr.decode()
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / "out.jsonl").exists()


def test_a_bad_day_is_a_usage_error(tmp_path):
    done = export("-", "--since", "18/02/2025", "--data-dir", str(tmp_path))
    assert done.returncode == 2
    assert "not a YYYY-MM-DD date: '18/02/2025'" in done.stderr.decode()
