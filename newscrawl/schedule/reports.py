"""Run reports: what one scheduled crawl did, as ``<data dir>/runs/<run>.json`` and ``.md``, and
the summary of the latest round in ``runs/last.json`` that the health command reads."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from newscrawl.extensions import count_errors
from newscrawl.monitors import articles_seen, failures_by_reason

RUNS_DIR = "runs"
LAST_RUN = "last.json"


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def runs_dir(data_dir: Path) -> Path:
    return data_dir / RUNS_DIR


def build_report(run: str, site: str, started: datetime, finished: datetime, exit_code: int,
                 stats: dict, feed: Path, stopped: bool) -> dict:
    """The report of one crawl from its exit code and stats file. Its status is ``failed`` when
    a monitor failed, or when the crawl exited non-zero or wrote no stats without being stopped
    (``problems`` says which); ``interrupted`` when it was stopped (the next run resumes it,
    or rediscovers what a forced stop left); else ``ok``."""
    crawl_problems = run_problems(exit_code, stats)
    monitor_failures = list(stats.get("newscrawl/monitors/failures", []))
    finish_reason = stats.get("finish_reason")
    if monitor_failures or (crawl_problems and not stopped):
        status = "failed"
    elif stopped or finish_reason == "shutdown":
        status = "interrupted"
    else:
        status = "ok"
    problems = crawl_problems + monitor_failures
    return {
        "run": run,
        "site": site,
        "status": status,
        "problems": problems,
        "started": iso(started),
        "finished": iso(finished),
        "duration_seconds": round((finished - started).total_seconds(), 1),
        "finish_reason": finish_reason,
        "exit_code": exit_code,
        "articles": {
            "new": stats.get("newscrawl/store/new", 0),
            "changed": stats.get("newscrawl/store/changed", 0),
            "unchanged": stats.get("newscrawl/store/unchanged", 0),
            "not_modified": stats.get("newscrawl/skipped/not_modified", 0),
            "seen": articles_seen(stats),
        },
        "failures_by_reason": failures_by_reason(stats),
        "errors": count_errors(stats),
        "retries": stats.get("retry/count", 0),
        "feed": str(feed) if feed.exists() else None,
        "archive": None,
    }


def run_problems(exit_code: int, stats: dict) -> list[str]:
    if not stats:
        return [f"the crawl wrote no stats (exit code {exit_code})"]
    problems = [] if exit_code == 0 else [f"the crawl exited with code {exit_code}"]
    if "newscrawl/monitors/passed" not in stats:
        problems.append("the monitors did not run")
    return problems


def write_report(data_dir: Path, report: dict) -> Path:
    path = runs_dir(data_dir) / f"{report['run']}.json"
    write_atomically(path, json.dumps(report, indent=1, ensure_ascii=False))
    write_atomically(path.with_suffix(".md"), markdown(report))
    return path


def markdown(report: dict) -> str:
    articles = report["articles"]
    lines = [
        f"# Run {report['run']}: {report['status']}",
        "",
        f"- site: {report['site']}",
        f"- from {report['started']} to {report['finished']} ({report['duration_seconds']} s), "
        f"finish reason {report['finish_reason']}, exit code {report['exit_code']}",
        f"- articles: {articles['new']} new, {articles['changed']} changed, {articles['unchanged']} unchanged, "
        f"{articles['not_modified']} links skipped (stored copy not modified since)",
        f"- errors {report['errors']}, retries {report['retries']}",
        f"- feed: {report['feed'] or 'none (nothing new)'}",
    ]
    if report["archive"]:
        lines.append(f"- archive commit: {report['archive']['commit'] or 'none (nothing changed)'}")
    lines += ["", "## Failures by reason", ""]
    lines += [f"- {reason}: {count}" for reason, count in sorted(report["failures_by_reason"].items())] or ["none"]
    if report["problems"]:
        lines += ["", "## Problems", ""] + [f"- {problem}" for problem in report["problems"]]
    return "\n".join(lines) + "\n"


def read_last(data_dir: Path) -> dict | None:
    try:
        return json.loads((runs_dir(data_dir) / LAST_RUN).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def write_last(data_dir: Path, summary: dict) -> None:
    write_atomically(runs_dir(data_dir) / LAST_RUN, json.dumps(summary, indent=1, ensure_ascii=False))


def mark_scheduler_started(data_dir: Path) -> None:
    """Before the first round ever: a summary saying so, from which the health command counts."""
    if read_last(data_dir) is None:
        write_last(data_dir, {"status": "starting", "scheduler_started": iso(utc_now()), "last_success": None, "sites": {}})


def round_summary(previous: dict | None, reports: list[dict], finished: datetime) -> dict:
    """``last.json`` after a round: its status (the worst of its runs), each site's run, and
    when a round last succeeded."""
    statuses = {report["status"] for report in reports}
    status = next((s for s in ("failed", "interrupted") if s in statuses), "ok")
    previous = previous or {}
    return {
        "status": status,
        "finished": iso(finished),
        "scheduler_started": previous.get("scheduler_started"),
        "last_success": iso(finished) if status == "ok" else previous.get("last_success"),
        "sites": {
            r["site"]: {"run": r["run"], "status": r["status"], "problems": r["problems"], "articles": r["articles"]}
            for r in reports
        },
    }


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
