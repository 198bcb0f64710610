"""Date-time and time parsing: pydantic's error reasons, shared by both formats."""

from __future__ import annotations

import datetime as dt

import pytest

from mockserver.http.scalars import parse_datetime, parse_time

REASONS = [
    ("24:00:00Z", "hour value is outside expected range of 0-23"),
    ("23:60:00Z", "minute value is outside expected range of 0-59"),
    ("23:59:60Z", "second value is outside expected range of 0-59"),
    ("23:59:59+24:00", "timezone offset must be less than 24 hours"),
]


@pytest.mark.parametrize(("clock", "reason"), REASONS)
def test_date_time_and_time_give_the_same_reason(clock: str, reason: str) -> None:
    value, problem = parse_datetime("2026-01-05T" + clock)
    assert value is None and problem == ("datetime_from_date_parsing", f"Input should be a valid datetime or date, {reason}",
                                         {"error": reason})
    value, problem = parse_time(clock)
    assert value is None and problem == ("time_parsing", f"Input should be in a valid time format, {reason}",
                                         {"error": reason})


def test_valid_values_keep_their_offset_and_fraction() -> None:
    east = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert parse_datetime("2026-01-05T09:00:00.1234567-01:00") == (
        dt.datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-1))), None)
    assert parse_time("14:30:00.5+05:30") == (dt.time(14, 30, 0, 500000, tzinfo=east), None)
    assert parse_time("14:30Z") == (dt.time(14, 30, tzinfo=dt.timezone.utc), None)
