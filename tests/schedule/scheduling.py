"""Running ``python -m newscrawl.schedule`` in tests, and reading the reports it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.crawling import REPO

SCHEDULE_TIMEOUT = 300
# Crawls in these tests are not polite to the loopback replica.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=false", "-s", "NEWSCRAWL_PROGRESS_INTERVAL=1")


def schedule_command(data: Path, base_url: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "newscrawl.schedule", *arguments, "-a", f"base_url={base_url}",
            "-s", f"NEWSCRAWL_DATA_DIR={data}", *FAST]


def run_once(data: Path, base_url: str, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(schedule_command(data, base_url, "--once", *arguments), cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=SCHEDULE_TIMEOUT)


def start(data: Path, base_url: str, *arguments: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(schedule_command(data, base_url, *arguments), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def health(data: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl.schedule", "health", "-s", f"NEWSCRAWL_DATA_DIR={data}", *arguments],
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def reports(data: Path) -> list[dict]:
    """Every run report so far, oldest first."""
    paths = [p for p in (data / "runs").glob("*.json") if p.name != "last.json" and not p.name.endswith(".stats.json")]
    return sorted((json.loads(p.read_text()) for p in paths), key=lambda r: r["started"] + r["run"])


def last(data: Path) -> dict:
    return json.loads((data / "runs" / "last.json").read_text())


def wait_for(condition, timeout: float = SCHEDULE_TIMEOUT, what: str = "a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def read_feed(report: dict) -> list[dict]:
    if not report["feed"]:
        return []
    return [json.loads(line) for line in Path(report["feed"]).read_text(encoding="utf-8").splitlines()]
