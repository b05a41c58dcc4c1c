"""When rounds run: a cron expression in UTC, or an interval that wins over it."""

from __future__ import annotations

from datetime import datetime, timezone

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from newscrawl.schedule.__main__ import project_settings, run_parser, trigger


def when(*argv: str):
    args = run_parser().parse_args(argv)
    return trigger(args, project_settings(args.settings))


def test_cron_expression_runs_in_utc():
    cron = when("-s", "NEWSCRAWL_SCHEDULE=*/15 * * * *")
    assert isinstance(cron, CronTrigger) and cron.timezone == timezone.utc
    start = datetime(2026, 3, 29, 0, 50, tzinfo=timezone.utc)  # a night clocks change in Europe
    assert cron.get_next_fire_time(None, start) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)


def test_interval_wins_over_the_cron_expression():
    interval = when("--interval", "90", "-s", "NEWSCRAWL_SCHEDULE=*/15 * * * *")
    assert isinstance(interval, IntervalTrigger) and interval.interval.total_seconds() == 90


def test_without_either_the_default_interval():
    assert when("-s", "NEWSCRAWL_SCHEDULE=").interval.total_seconds() == 3600
