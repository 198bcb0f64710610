"""The parameters every analytics generator shares, checked against the limits.

Validation against the contract already happened; what is left are requests that
are well-formed but impossible to answer (a window that ends before it starts,
or one too large to serve), which become Feather's 400 ``bad_request``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from mockserver.settings import Limits
from mockserver.world.calendar import Granularity, Window

__all__ = ["AnalyticsQuery", "QueryError", "parse_query"]

# Before this day a "previous window" cannot be labelled; the world is empty there.
FIRST_DAY = (dt.date.min - dt.date(1970, 1, 1)).days


class QueryError(Exception):
    """Well-formed but impossible to answer: the message says what to change."""


@dataclass(frozen=True, slots=True)
class AnalyticsQuery:
    window: Window
    granularity: Granularity
    filters: dict[str, str | None]  # dimension -> value (None = not filtered)
    options: dict[str, Any] = field(default_factory=dict)  # the operation's other parameters (limit, ...)


def parse_query(params: Mapping[str, Any], limits: Limits, filter_names: tuple[str, ...]) -> AnalyticsQuery:
    start: dt.date = params["start_date"]
    end: dt.date = params["end_date"]
    if start > end:
        raise QueryError(
            f"start_date must be on or before end_date (got start_date={start.isoformat()}, end_date={end.isoformat()})"
        )
    window = Window.from_dates(start, end)
    if window.days > limits.max_range_days:
        raise QueryError(
            f"The window {start.isoformat()}..{end.isoformat()} spans {window.days} days; "
            f"the sandbox serves at most {limits.max_range_days} days per request"
        )
    granularity = Granularity(params.get("granularity") or "hour")
    buckets = window.bucket_count(granularity)
    if "granularity" in params and buckets > limits.max_buckets:
        raise QueryError(
            f"granularity={granularity.value} over {window.days} days gives {buckets} buckets; the sandbox returns "
            f"at most {limits.max_buckets} buckets per response: use a coarser granularity or a shorter window"
        )
    filters = {name: params.get(name) for name in filter_names}
    options = {name: value for name, value in params.items()
               if name not in filter_names and name not in ("start_date", "end_date", "granularity")}
    return AnalyticsQuery(window, granularity, filters, options)
