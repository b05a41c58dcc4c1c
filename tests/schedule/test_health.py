"""The health verdict from runs/last.json (the scheduler's end-to-end tests write real ones)."""

from __future__ import annotations

from datetime import timedelta

from newscrawl.schedule import reports
from newscrawl.schedule.health import check_health


def write_summary(data, status: str, success_age: float | None, started_age: float = 0) -> None:
    now = reports.utc_now()
    reports.write_last(data, {
        "status": status,
        "finished": reports.iso(now),
        "scheduler_started": reports.iso(now - timedelta(seconds=started_age)),
        "last_success": None if success_age is None else reports.iso(now - timedelta(seconds=success_age)),
        "sites": {"voachinese": {"run": "r", "status": status, "problems": ["boom"] if status == "failed" else []}},
    })


def test_recent_success_is_healthy(tmp_path):
    write_summary(tmp_path, "ok", success_age=10)
    assert check_health(tmp_path, stale_after=60)[0]


def test_success_older_than_the_limit_is_unhealthy_even_after_an_interrupted_round(tmp_path):
    write_summary(tmp_path, "interrupted", success_age=120)
    healthy, why = check_health(tmp_path, stale_after=60)
    assert not healthy and "last successful run" in why and "over 60 s" in why


def test_failed_round_is_unhealthy_and_says_why(tmp_path):
    write_summary(tmp_path, "failed", success_age=10)
    assert check_health(tmp_path, stale_after=60) == (False, f"the last run failed ({reports.read_last(tmp_path)['finished']}): voachinese: boom")


def test_a_new_scheduler_is_healthy_until_the_limit_then_not(tmp_path):
    reports.mark_scheduler_started(tmp_path)
    assert check_health(tmp_path, stale_after=60)[0]
    write_summary(tmp_path, "interrupted", success_age=None, started_age=120)
    assert not check_health(tmp_path, stale_after=60)[0]


def test_no_record_is_unhealthy(tmp_path):
    assert check_health(tmp_path, stale_after=60) == (False, f"no scheduled run recorded in {tmp_path / 'runs'}")
