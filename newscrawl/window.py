"""The date window of a crawl (``-a since=YYYY-MM-DD``, ``-a until=YYYY-MM-DD``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from newscrawl.errors import ConfigurationError


@dataclass(frozen=True)
class DateWindow:
    """Days from ``since`` to ``until``, both included, in UTC. An open end is None.

    >>> window = DateWindow.parse("2025-02-01", "2025-02-18")
    >>> window.admits(datetime(2025, 2, 18, 23, 59, tzinfo=timezone.utc))
    True
    >>> window.admits(datetime(2025, 2, 19, tzinfo=timezone.utc))
    False
    >>> window.admits(None)  # unknown dates are not excluded
    True
    """

    start: datetime | None = None
    end: datetime | None = None  # exclusive

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> DateWindow:
        start = _day(since, "since")
        end = _day(until, "until")
        window = cls(start, end + timedelta(days=1) if end else None)
        if window.start and window.end and window.start >= window.end:
            raise ConfigurationError(f"since ({since}) is after until ({until})")
        return window

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def admits(self, moment: datetime | None) -> bool:
        if moment is None:
            return True
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)

    def is_before(self, moment: datetime | None) -> bool:
        """Whether ``moment`` is older than the window's start (so older pages can be skipped)."""
        return moment is not None and self.start is not None and moment < self.start


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a date like 2025-02-18, got {value!r}") from None
    return datetime.combine(day, time(), tzinfo=timezone.utc)
