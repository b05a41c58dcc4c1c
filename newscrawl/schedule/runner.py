"""One round of scheduled crawls: under the run lock, one ``scrapy crawl`` subprocess per site
(a fresh process each time: Twisted's reactor cannot restart), then its report, its archive
commit, and the round's summary."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from newscrawl.exports import recover_partial_feeds
from newscrawl.schedule import reports
from newscrawl.schedule.archive_git import ArchiveGitError, commit_run
from newscrawl.schedule.lock import RunLock, RunLocked

logger = logging.getLogger(__name__)

SETTINGS_MODULE = "newscrawl.settings"


@dataclass
class RunConfig:
    data_dir: Path  # absolute
    sites: list[str]
    spider_arguments: list[str] = field(default_factory=list)  # NAME=VALUE, as scrapy crawl -a
    settings: list[str] = field(default_factory=list)  # NAME=VALUE, as scrapy crawl -s
    archive_git: Path | None = None  # the archive directory to commit after each run, if any
    git_remote: str = "origin"


class RoundRunner:
    """Runs rounds; ``stop()`` (from a signal handler) asks the current crawl to stop cleanly
    (Scrapy's graceful shutdown, which keeps the JOBDIR queue for the next run) and starts no
    further crawl; each further call is forwarded too, so a second one forces the crawl down."""

    def __init__(self, config: RunConfig):
        self.config = config
        self.stopping = False
        self.idle = threading.Event()
        self.idle.set()
        self.child: subprocess.Popen | None = None
        self.signals_received = self.signals_forwarded = 0

    def run_round(self) -> str:
        """Runs every site once; returns the round's status: ok, interrupted, failed or locked."""
        if self.stopping:
            return "interrupted"
        self.idle.clear()
        try:
            with RunLock(self.config.data_dir) as lock:
                return self._run_sites(lock)
        except RunLocked as exc:
            logger.warning("Not starting a run: %(why)s", {"why": exc})
            return "locked"
        finally:
            self.idle.set()

    def _run_sites(self, lock: RunLock) -> str:
        data = self.config.data_dir
        previous = reports.read_last(data)
        done = []
        for site in self.config.sites:
            if self.stopping:
                break
            done.append(self.run_site(site, lock))
        summary = reports.round_summary(previous, done, reports.utc_now())
        reports.write_last(data, summary)
        return summary["status"]

    def run_site(self, site: str, lock: RunLock) -> dict:
        data = self.config.data_dir
        run = run_name(data, site)
        runs = reports.runs_dir(data)
        feed, stats_file = runs / f"{run}.jsonl", runs / f"{run}.stats.json"
        started = reports.utc_now()
        logger.info("Run %(run)s starts", {"run": run})
        exit_code = self.crawl(self.crawl_command(site, feed, stats_file), lock)
        recover_partial_feeds(runs)  # a forced stop's feed, cut after its last whole line
        stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
        report = reports.build_report(run, site, started, reports.utc_now(), exit_code, stats, feed, self.stopping)
        if self.config.archive_git:
            report["archive"] = self.commit_archive(report)
        path = reports.write_report(data, report)
        log = logger.error if report["status"] == "failed" else logger.info
        log("Run %(run)s %(status)s: %(new)d new, %(changed)d changed%(problems)s; report %(path)s", {
            "run": run, "status": report["status"], "new": report["articles"]["new"],
            "changed": report["articles"]["changed"], "path": path,
            "problems": "".join(f"; {p}" for p in report["problems"]),
        })
        return report

    def crawl_command(self, site: str, feed: Path, stats_file: Path) -> list[str]:
        data = self.config.data_dir
        command = [sys.executable, "-m", "scrapy", "crawl", "voa", "-o", f"{feed}:jsonlines", "-a", f"site={site}"]
        for argument in self.config.spider_arguments:
            command += ["-a", argument]
        own = [f"NEWSCRAWL_DATA_DIR={data}", f"NEWSCRAWL_STATS_FILE={stats_file}", f"JOBDIR={data / 'jobs' / site}"]
        for setting in own + self.config.settings:
            command += ["-s", setting]
        return command

    def crawl(self, command: list[str], lock: RunLock) -> int:
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)}
        # Its own session: a terminal's Ctrl-C reaches the scheduler only, which forwards it once.
        # It inherits the lock: a crawl orphaned by a killed scheduler still holds the run.
        self.child = subprocess.Popen(command, env=env, start_new_session=True, pass_fds=(lock.fd,))
        self._forward()
        try:
            return self.child.wait()
        finally:
            self.child = None

    def stop(self, signum: int) -> None:
        self.stopping = True
        self.signals_received += 1
        logger.warning("Received signal %(signal)s: stopping the current run", {"signal": signal.Signals(signum).name})
        self._forward()

    def _forward(self) -> None:
        child = self.child
        while child is not None and self.signals_forwarded < self.signals_received and child.poll() is None:
            self.signals_forwarded += 1
            child.send_signal(signal.SIGTERM)

    def commit_archive(self, report: dict) -> dict | None:
        articles = report["articles"]
        message = f"newscrawl run {report['run']}: {articles['new']} new, {articles['changed']} changed"
        try:
            return commit_run(self.config.archive_git, message, self.config.git_remote)
        except (ArchiveGitError, OSError, subprocess.TimeoutExpired) as exc:
            report["status"] = "failed"
            report["problems"].append(f"archive git: {exc}")
            return None


def run_name(data_dir: Path, site: str) -> str:
    """``<site>-<UTC time>``, unique among the runs kept."""
    base = f"{site}-{reports.iso(reports.utc_now()).replace(':', '-')}"
    name, n = base, 1
    while (reports.runs_dir(data_dir) / f"{name}.json").exists() or (reports.runs_dir(data_dir) / f"{name}.stats.json").exists():
        n += 1
        name = f"{base}-{n}"
    return name
