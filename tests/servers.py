"""Real servers for tests: PostgreSQL, started once per test session on a free loopback port
and stopped after it, and Redis, one server per test.

Tests ask for them by fixture name (``postgres_url``, ``postgres_database``, ``redis_server``);
``tests/conftest.py`` registers this module as a plugin. A missing server binary fails the
tests that need it with the command that installs it (``scripts/install.sh`` does it in CI):
these tests are never skipped silently.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def _wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}: {process.stdout.read()}", pytrace=False)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{what} did not listen on 127.0.0.1:{port} within {START_TIMEOUT:.0f} s", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:<port>`` of a server with trust auth; add ``/<database>``."""
    with running_postgres() as url:
        yield url


@contextmanager
def running_postgres() -> Iterator[str]:
    """The server of :func:`postgres_server`, for scripts (bench/)."""
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


class RedisServer:
    """A ``redis-server`` on a free loopback port with AOF persistence (``appendfsync always``)
    in its own directory; it can be stopped and started again on the same port and data."""

    def __init__(self, binary: str, workdir: Path):
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        _wait_for_port(self.port, self.process, "redis-server")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait(timeout=START_TIMEOUT)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis server of the test's own, running; ``.url``, ``.stop()``, ``.start()``."""
    with running_redis() as server:
        yield server


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """The server of :func:`redis_server`, for scripts (bench/)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not found: run scripts/install.sh or apt-get install -y redis-server",
                    pytrace=False)
    with tempfile.TemporaryDirectory(prefix="newscrawl-redis-") as workdir:
        server = RedisServer(binary, Path(workdir))
        server.start()
        try:
            yield server
        finally:
            server.stop()
