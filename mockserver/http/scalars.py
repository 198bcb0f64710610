"""Parsing text into typed values with pydantic v2's error vocabulary.

The real services are FastAPI apps, so a client that sends ``start_date=2026-02-30``
must see the same ``type``/``msg``/``ctx`` pydantic would produce. The wording of
date and datetime errors follows speedate (pydantic-core's parser), uuid errors
follow the ``uuid`` crate. Where the contract is stricter than pydantic's lax mode
(``format: date`` is an RFC 3339 full-date, ``date-time`` needs an offset,
``uuid`` is the hyphenated form) the sandbox is strict; docs/validation.md lists
those differences.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from typing import Any

__all__ = [
    "Problem",
    "parse_int",
    "parse_float",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_uuid",
]

# (type, msg, ctx or None): one pydantic error, before loc and input are attached.
Problem = tuple[str, str, dict[str, Any] | None]

_INT_RE = re.compile(r"^[+-]?\d+$")
_HEX = frozenset("0123456789abcdefABCDEF")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def parse_int(text: str) -> tuple[int | None, Problem | None]:
    stripped = text.strip()
    if _INT_RE.match(stripped):
        try:
            return int(stripped), None
        except ValueError:  # more digits than Python's int-from-str limit
            pass
    return None, ("int_parsing", "Input should be a valid integer, unable to parse string as an integer", None)


def parse_float(text: str) -> tuple[float | None, Problem | None]:
    try:
        value = float(text.strip())
    except ValueError:
        return None, ("float_parsing", "Input should be a valid number, unable to parse string as a number", None)
    if not math.isfinite(value):
        return None, ("finite_number", "Input should be a finite number", None)
    return value, None


def parse_bool(text: str) -> tuple[bool | None, Problem | None]:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True, None
    if lowered in _FALSE:
        return False, None
    return None, ("bool_parsing", "Input should be a valid boolean, unable to interpret input", None)


def _date_problem(reason: str) -> Problem:
    return ("date_from_datetime_parsing", f"Input should be a valid date or datetime, {reason}", {"error": reason})


def _datetime_problem(reason: str) -> Problem:
    return ("datetime_from_date_parsing", f"Input should be a valid datetime or date, {reason}", {"error": reason})


def _scan_date(text: str) -> tuple[dt.date | None, str | None]:
    """The first ten characters as YYYY-MM-DD, with speedate's error reasons."""
    if len(text) < 10:
        return None, "input is too short"
    checks = ((0, 4, "invalid character in year"), (5, 7, "invalid character in month"), (8, 10, "invalid character in day"))
    for start, end, reason in checks:
        if not text[start:end].isascii() or not text[start:end].isdigit():
            return None, reason
        if end < 10 and text[end] != "-":
            return None, "invalid date separator, expected `-`"
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if not 1 <= month <= 12:
        return None, "month value is outside expected range of 1-12"
    if year == 0:
        return None, "year value is outside expected range of 1-9999"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None, "day value is outside expected range"
    return dt.date(year, month, day), None


def parse_date(text: str) -> tuple[dt.date | None, Problem | None]:
    value, reason = _scan_date(text)
    if reason is None and len(text) > 10:
        reason = "unexpected extra characters at the end of the input"
    if reason is not None:
        return None, _date_problem(reason)
    return value, None


_TIME_RE = re.compile(r"^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?")
_OFFSET_RE = re.compile(r"^(?:[Zz]|([+-])(\d\d):?(\d\d))$")


def _time_start_problem(text: str) -> str:
    return "invalid character in hour" if not text[:2].isdigit() else "invalid time separator, expected `:`"


def parse_datetime(text: str) -> tuple[dt.datetime | None, Problem | None]:
    """RFC 3339 date-time; the result is always timezone-aware."""
    date, reason = _scan_date(text)
    if reason is not None:
        return None, _datetime_problem(reason)
    assert date is not None
    if len(text) == 10:
        return None, _datetime_problem("a time and a UTC offset are required (RFC 3339 date-time)")
    if text[10] not in "Tt_ ":
        return None, _datetime_problem("invalid datetime separator, expected `T`, `t`, `_` or space")
    rest = text[11:]
    found = _TIME_RE.match(rest)
    if not found:
        return None, _datetime_problem(_time_start_problem(rest))
    hour, minute, second, micro = _clock(found)
    out_of_range = _clock_range_problem(hour, minute, second)
    if out_of_range:
        return None, _datetime_problem(out_of_range)
    tail = rest[found.end():]
    if not tail:
        return None, _datetime_problem("a UTC offset is required (RFC 3339 date-time)")
    offset = _OFFSET_RE.match(tail)
    if not offset:
        return None, _datetime_problem("invalid timezone sign" if tail[0] not in "+-Zz" else "invalid timezone offset")
    tz = _zone(offset)
    if tz is None:
        return None, _datetime_problem("timezone offset must be less than 24 hours")
    return dt.datetime(date.year, date.month, date.day, hour, minute, second, micro, tzinfo=tz), None


def _clock(found: re.Match[str]) -> tuple[int, int, int, int]:
    """Hour, minute, second and microseconds of a ``_TIME_RE`` match (fractions past 6 digits are cut)."""
    fraction = (found.group(4) or "").ljust(6, "0")[:6]
    return int(found.group(1)), int(found.group(2)), int(found.group(3) or 0), int(fraction)


def _clock_range_problem(hour: int, minute: int, second: int) -> str | None:
    """The first field out of range, in pydantic's words."""
    for value, name, top in ((hour, "hour", 23), (minute, "minute", 59), (second, "second", 59)):
        if value > top:
            return f"{name} value is outside expected range of 0-{top}"
    return None


def _zone(offset: re.Match[str]) -> dt.timezone | None:
    """UTC for ``Z``, else the signed offset; None for an offset of 24 hours or more."""
    if not offset.group(1):
        return dt.timezone.utc
    hours, minutes = int(offset.group(2)), int(offset.group(3))
    if hours > 23 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if offset.group(1) == "-" else delta)


def _time_problem(reason: str) -> Problem:
    return ("time_parsing", f"Input should be in a valid time format, {reason}", {"error": reason})


def parse_time(text: str) -> tuple[dt.time | None, Problem | None]:
    """RFC 3339 full-time (``14:30:00Z``, ``09:00:00.5+02:00``): the offset is required, as for date-time."""
    found = _TIME_RE.match(text)
    if not found:
        return None, _time_problem(_time_start_problem(text))
    hour, minute, second, micro = _clock(found)
    out_of_range = _clock_range_problem(hour, minute, second)
    if out_of_range:
        return None, _time_problem(out_of_range)
    tail = text[found.end():]
    offset = _OFFSET_RE.match(tail)
    if not tail or not offset:
        return None, _time_problem("a UTC offset is required (RFC 3339 full-time)" if not tail else "invalid timezone offset")
    tz = _zone(offset)
    if tz is None:
        return None, _time_problem("timezone offset must be less than 24 hours")
    return dt.time(hour, minute, second, micro, tzinfo=tz), None


def parse_uuid(text: str) -> tuple[str | None, Problem | None]:
    """The hyphenated 8-4-4-4-12 form, with the ``uuid`` crate's error reasons."""
    reason = _uuid_reason(text)
    if reason is None:
        return text.lower(), None
    return None, ("uuid_parsing", f"Input should be a valid UUID, {reason}", {"error": reason})


def _uuid_reason(text: str) -> str | None:
    for index, char in enumerate(text, start=1):
        if char not in _HEX and char != "-":
            return ("invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
                    f"found `{char}` at {index}")
    groups = text.split("-")
    if len(groups) == 1:
        if len(text) == 32:
            return "expected the hyphenated form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        return f"invalid length: expected length 32 for simple format, found {len(text)}"
    if len(groups) != 5:
        return f"invalid group count: expected 5, found {len(groups)}"
    for number, (group, expected) in enumerate(zip(groups, (8, 4, 4, 4, 12)), start=1):
        if len(group) != expected:
            return f"invalid group length in group {number}: expected {expected}, found {len(group)}"
    return None


# String formats checked the same way in parameters, bodies and generated responses.
FORMAT_PARSERS = {"date": parse_date, "date-time": parse_datetime, "time": parse_time, "uuid": parse_uuid}
