"""Query windows and time buckets, all in UTC and whole epoch units.

Semantics (docs/world.md): a window ``start_date..end_date`` covers
``[start_date 00:00, end_date + 1 day 00:00)`` UTC. Buckets are aligned to their
granularity; weeks start on Monday 00:00 UTC, and a week at the window's edge is
labelled with its Monday but counts only the days inside the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

__all__ = ["Granularity", "Window", "EPOCH", "day_number", "iso_instant", "wall_text", "wall_texts", "bucket_labels"]

EPOCH = dt.date(1970, 1, 1)
_EPOCH_WEEKDAY = EPOCH.weekday()  # Thursday = 3


class Granularity(str, Enum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"

    @property
    def seconds(self) -> int:
        return {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}[self.value]


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True, slots=True)
class Window:
    """Whole UTC days ``first_day..last_day`` (inclusive day numbers since 1970-01-01)."""

    first_day: int
    last_day: int

    @classmethod
    def from_dates(cls, start: dt.date, end: dt.date) -> Window:
        return cls(day_number(start), day_number(end))

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1

    def previous(self) -> Window:
        """The equal-length window just before this one (for period-over-period summaries)."""
        return Window(self.first_day - self.days, self.first_day - 1)

    def day_numbers(self) -> NDArray[np.int64]:
        return np.arange(self.first_day, self.last_day + 1, dtype=np.int64)

    def bucket_count(self, granularity: Granularity) -> int:
        if granularity is Granularity.MINUTE:
            return self.days * 1440
        if granularity is Granularity.HOUR:
            return self.days * 24
        if granularity is Granularity.DAY:
            return self.days
        return len(np.unique(week_starts(self.day_numbers())))


def weekday(days: NDArray[np.int64]) -> NDArray[np.int64]:
    """Monday = 0 ... Sunday = 6."""
    return (days + _EPOCH_WEEKDAY) % 7


def week_starts(days: NDArray[np.int64]) -> NDArray[np.int64]:
    return days - weekday(days)


def iso_instant(epoch_seconds: int) -> str:
    """``utc_text`` of a whole-second instant."""
    return wall_text(epoch_seconds) + "Z"


def wall_text(epoch_seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` of a whole-second instant on a UTC wall clock, without building a datetime (a page
    of sessions writes hundreds, a month of 5-minute feedback buckets thousands)."""
    day, second = divmod(epoch_seconds, 86400)
    return f"{_day_text(day)}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


def wall_texts(epoch_seconds: NDArray[np.int64], suffix: str = "") -> list[str]:
    """``wall_text`` of many instants, each followed by ``suffix``: one date text per distinct day and one time
    text per distinct time of day, joined (a month of 5-minute buckets is 31 dates and 288 times)."""
    days, seconds = np.divmod(np.asarray(epoch_seconds, dtype=np.int64), 86400)
    unique_days, day_at = np.unique(days, return_inverse=True)
    unique_seconds, second_at = np.unique(seconds, return_inverse=True)
    dates = [_day_text(day) for day in unique_days.tolist()]
    times = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in unique_seconds.tolist()]
    return [dates[d] + times[t] for d, t in zip(day_at.tolist(), second_at.tolist())]


@lru_cache(maxsize=8192)
def _day_text(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()


def utc_text(moment: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` for a UTC instant, the year always four digits (``strftime("%Y")`` writes year
    561 as ``561``, which is not an RFC 3339 date-time)."""
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


_TIME_OF_DAY = [f"T{m // 60:02d}:{m % 60:02d}:00Z" for m in range(1440)]


def bucket_labels(epoch_seconds: NDArray[np.int64]) -> list[str]:
    """ISO-8601 UTC labels (``2026-01-05T14:00:00Z``) for ascending minute-aligned instants.

    Built from one date string per day and a table of the 1,440 times of day:
    labelling 44,640 minute buckets costs a few milliseconds this way.
    """
    minutes = epoch_seconds // 60
    days = minutes // 1440
    if not len(days):
        return []
    dates = {d: (EPOCH + dt.timedelta(days=d)).isoformat() for d in range(int(days[0]), int(days[-1]) + 1)}
    suffix = _TIME_OF_DAY
    return [dates[d] + suffix[m] for d, m in zip(days.tolist(), (minutes % 1440).tolist())]
