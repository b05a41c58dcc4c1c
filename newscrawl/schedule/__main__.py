"""python -m newscrawl.schedule [--once] [--interval S] [--site KEY ...] [-a NAME=VALUE] [-s NAME=VALUE]
python -m newscrawl.schedule health [--stale-after S] [-s NAME=VALUE]

Without --interval, rounds follow the cron expression NEWSCRAWL_SCHEDULE (UTC), else run every
NEWSCRAWL_SCHEDULE_INTERVAL seconds starting now. --once runs one round and exits: 0 when it
went well or was stopped, 1 when a run failed, 75 when another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from newscrawl.datadir import data_dir
from newscrawl.errors import ConfigurationError
from newscrawl.schedule import reports
from newscrawl.schedule.health import check_health
from newscrawl.schedule.runner import SETTINGS_MODULE, RoundRunner, RunConfig
from newscrawl.sites import DEFAULT_SITE, get_site

logger = logging.getLogger("newscrawl.schedule")

EXIT_FAILED, EXIT_LOCKED = 1, 75  # 75: EX_TEMPFAIL, try again later


def name_value(text: str) -> str:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return text


def run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.schedule", description="Scheduled incremental crawls.",
        epilog="python -m newscrawl.schedule health [--stale-after S] exits 1 when the last round failed "
               "or the last successful one is too old (see health --help).")
    parser.add_argument("--once", action="store_true", help="run one round and exit")
    parser.add_argument("--interval", type=float, help="seconds between round starts (default: NEWSCRAWL_SCHEDULE)")
    parser.add_argument("--site", action="append", help=f"site key or host, repeatable (default {DEFAULT_SITE})")
    parser.add_argument("-a", dest="arguments", action="append", type=name_value, default=[], metavar="NAME=VALUE",
                        help="spider argument passed to every crawl")
    parser.add_argument("-s", dest="settings", action="append", type=name_value, default=[], metavar="NAME=VALUE",
                        help="setting passed to every crawl")
    return parser


def health_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.schedule health",
                                     description="Exit 0 when the scheduled runs are healthy, 1 otherwise.")
    parser.add_argument("--stale-after", type=float, help="seconds (default NEWSCRAWL_SCHEDULE_STALE_AFTER)")
    parser.add_argument("-s", dest="settings", action="append", type=name_value, default=[], metavar="NAME=VALUE")
    return parser


def project_settings(overrides: list[str]) -> Settings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    settings = get_project_settings()
    settings.setdict(dict(item.split("=", 1) for item in overrides), priority="cmdline")
    return settings


def health(argv: list[str]) -> int:
    args = health_parser().parse_args(argv)
    settings = project_settings(args.settings)
    stale_after = args.stale_after or settings.getfloat("NEWSCRAWL_SCHEDULE_STALE_AFTER")
    healthy, why = check_health(data_dir(settings).resolve(), stale_after)
    print(("healthy: " if healthy else "unhealthy: ") + why)
    return 0 if healthy else 1


def run_config(args: argparse.Namespace, settings: Settings) -> RunConfig:
    root = data_dir(settings).resolve()
    git = settings.getbool("NEWSCRAWL_ARCHIVE_ENABLED") and settings.getbool("NEWSCRAWL_ARCHIVE_GIT")
    archive = Path(settings.get("NEWSCRAWL_ARCHIVE_DIR") or root / "archive").resolve()
    return RunConfig(
        data_dir=root,
        sites=[get_site(site).key for site in args.site or [DEFAULT_SITE]],
        spider_arguments=args.arguments,
        settings=args.settings,
        archive_git=archive if git else None,
        git_remote=settings.get("NEWSCRAWL_ARCHIVE_GIT_REMOTE"),
    )


def trigger(args: argparse.Namespace, settings: Settings):
    if args.interval is None and settings.get("NEWSCRAWL_SCHEDULE"):
        return CronTrigger.from_crontab(settings.get("NEWSCRAWL_SCHEDULE"), timezone=timezone.utc)
    return IntervalTrigger(seconds=args.interval or settings.getfloat("NEWSCRAWL_SCHEDULE_INTERVAL"), timezone=timezone.utc)


def schedule(runner: RoundRunner, when) -> None:
    scheduler = BlockingScheduler(timezone=timezone.utc)
    first = datetime.now(timezone.utc) if isinstance(when, IntervalTrigger) else None
    # One round at a time; rounds missed meanwhile collapse into one, however late.
    scheduler.add_job(runner.run_round, when, id="round", max_instances=1, coalesce=True,
                      misfire_grace_time=None, **({"next_run_time": first} if first else {}))

    def on_signal(signum, frame):
        runner.stop(signum)
        if scheduler.running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logger.info("Scheduler started: %(when)s, sites %(sites)s", {"when": when, "sites": ", ".join(runner.config.sites)})
    scheduler.start()
    runner.idle.wait()  # the round a signal stopped, to its report


def run(argv: list[str]) -> int:
    args = run_parser().parse_args(argv)
    settings = project_settings(args.settings)
    try:
        config, when = run_config(args, settings), None if args.once else trigger(args, settings)
    except (ConfigurationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports.mark_scheduler_started(config.data_dir)
    runner = RoundRunner(config)
    if when is not None:
        schedule(runner, when)
        return 0
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: runner.stop(signum))
    status = runner.run_round()
    return {"failed": EXIT_FAILED, "locked": EXIT_LOCKED}.get(status, 0)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    if argv[:1] == ["health"]:
        return health(argv[1:])
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
