"""Resolving a feedback request: time range, granularity, timezone, filters.

Rules from ``../shared/reference/weave-feedback-stats.md`` (numbers in brackets):
auto granularity tiers [19], the 10,000-bucket cap [20], the 31-day limit and
``end`` before ``start`` as 422 [4.2, 4.3], percentiles and json paths as 400
[4.6, 4.7]. An unknown timezone and a negative granularity, which the real
service leaves to its database, are a documented 400 here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["FeedbackError", "FeedbackInvalid", "TimeRange", "resolve_range", "resolve_granularity", "zone",
           "check_json_path", "percentile_key", "slug", "utc_text", "body_datetime", "MAX_BUCKETS"]

MAX_BUCKETS = 10_000
MAX_SPAN = dt.timedelta(days=31)
_AUTO_TIERS = ((2 * 3600, 300), (12 * 3600, 3600), (3 * 86400, 21600), (14 * 86400, 43200))
_JSON_PATH = re.compile(r"^[a-zA-Z0-9_. ]+$")
UTC = dt.timezone.utc


class FeedbackError(Exception):
    """A request the service answers with 400 ``{"reason": ...}``."""


class FeedbackInvalid(Exception):
    """A model-level validation failure: 422 with one ``value_error`` item at ``["body"]``."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    start: dt.datetime  # aware, UTC
    end: dt.datetime

    @property
    def span_seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def resolve_range(start: dt.datetime, end: dt.datetime | None, now: dt.datetime) -> TimeRange:
    try:
        resolved = TimeRange(start.astimezone(UTC), (end or now).astimezone(UTC))
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise FeedbackError("start and end must fall within years 1-9999 once converted to UTC") from exc
    if resolved.end < resolved.start:
        raise FeedbackInvalid("Feedback request end must be after start")
    if resolved.end - resolved.start > MAX_SPAN:
        raise FeedbackInvalid("Feedback request date range cannot exceed 31 days")
    return resolved


def resolve_granularity(requested: int | None, span_seconds: float) -> int:
    if requested is not None and requested < 0:
        raise FeedbackError(f"granularity must be a positive number of seconds (or 0/null for automatic), got {requested}")
    granularity = int(requested or _auto(span_seconds))  # pydantic reads an integral 1e19 as an int too
    if span_seconds / granularity > MAX_BUCKETS:
        granularity = max(granularity, int(span_seconds / MAX_BUCKETS) + 1)
    return granularity


def _auto(span_seconds: float) -> int:
    for limit, granularity in _AUTO_TIERS:
        if span_seconds <= limit:
            return granularity
    return 86400


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


@lru_cache(maxsize=128)
def _load_zone(name: str) -> dt.tzinfo:
    # Read from the pinned tzdata package, not the host's /usr/share/zoneinfo, so offsets
    # are the same on every machine.
    resource = files("tzdata").joinpath("zoneinfo", *name.split("/"))
    with resource.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=name)


def zone(name: str) -> dt.tzinfo:
    if name == "UTC":
        return UTC
    if name not in _zone_names():
        raise FeedbackError(f"Unknown timezone {name!r}: use an IANA name such as 'UTC' or 'America/New_York'")
    return _load_zone(name)


def check_json_path(path: str) -> None:
    if not path.strip():
        raise FeedbackError("json_path cannot be empty")
    if not _JSON_PATH.match(path):
        raise FeedbackError(f"json_path may only contain [a-zA-Z0-9_.], got: '{path}'")


def slug(path: str) -> str:
    return path.replace(".", "_").replace(" ", "_")


def percentile_key(value: float) -> str:
    if not 0 <= value <= 100:
        raise FeedbackError(f"Percentile must be between 0 and 100, got {float(value)}")
    return f"p{_number(value)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(float(value))


def utc_text(moment: dt.datetime) -> str:
    """pydantic's rendering of a UTC datetime: ISO 8601 with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body_datetime(value: Any) -> dt.datetime | None:
    """Body date-times arrive as validated strings; parse them once here."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    from mockserver.http.scalars import parse_datetime

    parsed, problem = parse_datetime(value)
    if problem is not None or parsed is None:
        raise FeedbackError(f"invalid date-time {value!r}")
    return parsed
