"""The run lock: one scheduled run at a time per data directory, across processes and containers.

An exclusive ``flock`` on ``<data dir>/schedule.lock``. The kernel releases it when the last
process holding it ends, however it ends, so a lock left by a killed run never blocks the next;
the crawl subprocess inherits it, so an orphaned crawl still counts as the run in progress. The
file also names its holder (pid, host, since when) for the message that refuses a second run.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

LOCK_NAME = "schedule.lock"


class RunLocked(Exception):
    """Another run holds the lock."""


class RunLock:
    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLocked(f"another run holds {self.path} ({self.holder()})") from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now(timezone.utc).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor releases the flock
            self.fd = None

    def holder(self) -> str:
        try:
            holder = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return "holder unknown"
        return f"pid {holder.get('pid')} on host {holder.get('host')} since {holder.get('since')}"

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()
