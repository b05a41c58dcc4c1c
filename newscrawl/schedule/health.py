"""The health verdict from ``runs/last.json``: unhealthy when the last round failed or when
the last successful round (or, before any, the scheduler's start) is older than the limit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from newscrawl.schedule import reports


def check_health(data_dir: Path, stale_after: float) -> tuple[bool, str]:
    """(healthy, one line saying why)."""
    last = reports.read_last(data_dir)
    if last is None:
        return False, f"no scheduled run recorded in {reports.runs_dir(data_dir)}"
    if last["status"] == "failed":
        problems = "; ".join(f"{site}: {'; '.join(run['problems'])}" for site, run in last["sites"].items() if run["problems"])
        return False, f"the last run failed ({last['finished']}): {problems}"
    since = last.get("last_success") or last.get("scheduler_started")
    if since is None:
        return False, "no successful run recorded"
    age = (reports.utc_now() - datetime.fromisoformat(since.replace("Z", "+00:00"))).total_seconds()
    what = "last successful run" if last.get("last_success") else "scheduler started without a successful run"
    if age > stale_after:
        return False, f"{what} {age:.0f} s ago ({since}), over {stale_after:.0f} s"
    return True, f"{what} {age:.0f} s ago ({since}); last round {last['status']}"
