"""Real servers for tests: PostgreSQL, started once per test session on a free loopback port
and stopped after it.

Tests ask for it by fixture name (``postgres_url``, ``postgres_database``);
``tests/conftest.py`` registers this module as a plugin. A missing server binary fails the
tests that need it with the command that installs it (``scripts/install.sh`` does it in CI):
these tests are never skipped silently.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

START_TIMEOUT = 30.0
POSTGRES_USER = "postgres"
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory (Debian's layout)."""
    found = sorted(glob.glob(f"{POSTGRES_BIN_GLOB}/initdb"), key=_major_version)
    if not found:
        pytest.fail(
            f"PostgreSQL server binaries not found ({POSTGRES_BIN_GLOB}/initdb): "
            "run scripts/install.sh or apt-get install -y postgresql",
            pytrace=False,
        )
    return Path(found[-1]).parent


def _major_version(initdb: str) -> int:
    version = Path(initdb).parent.parent.name
    return int(version) if version.isdigit() else 0


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` user then."""
    return ["runuser", "-u", POSTGRES_USER, "--"] if os.geteuid() == 0 else []


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"{what} failed ({done.returncode}): {done.stdout}{done.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:<port>`` of a server with trust auth; add ``/<database>``."""
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="newscrawl-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, POSTGRES_USER)
    data, port = root / "data", free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*_as_postgres(), str(bin_dir / "pg_ctl"), "-D", str(data)]
    _run(
        [*_as_postgres(), str(bin_dir / "initdb"), "-D", str(data), "-U", POSTGRES_USER,
         "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
        "initdb",
    )
    _run([*pg_ctl, "-l", str(root / "server.log"), "-w", "-t", str(int(START_TIMEOUT)), "-o", options, "start"],
         "pg_ctl start")
    try:
        yield f"postgresql://{POSTGRES_USER}@127.0.0.1:{port}"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> str:
    """URL of a database shared by the whole session (empty when the session starts)."""
    _admin(postgres_server, "CREATE DATABASE {}", "newscrawl_test")
    return f"{postgres_server}/newscrawl_test"


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """URL of a new, empty database of its own, dropped after the test."""
    name = f"newscrawl_test_{next(_database_numbers)}"
    _admin(postgres_server, "CREATE DATABASE {}", name)
    yield f"{postgres_server}/{name}"
    _admin(postgres_server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _admin(server: str, statement: str, database: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL(statement).format(sql.Identifier(database)))
