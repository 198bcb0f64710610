"""Schema-generated timeseries that at least keep time: dense, aligned buckets in the window.

Analytics operations without a dedicated generator still return rows with a
``time_bucket``. Random instants (1890, unaligned, unordered) break every chart,
so their rows are laid on the window's real buckets: a handful of rows are
generated from the schema and repeated across the buckets, which keeps the
cost proportional to the buckets returned. Their numbers are placeholders, not
the coherent world (docs/world.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mockserver.analytics.query import QueryError, parse_query
from mockserver.responders.base import Generated, Impossible, MockRequest
from mockserver.settings import Limits
from mockserver.world.calendar import Granularity, bucket_labels, week_starts

__all__ = ["timeseries_rows", "is_timeseries", "window_labels"]

_TEMPLATES = 24


def is_timeseries(request: MockRequest, content: Any) -> bool:
    params = request.params
    return (request.operation.path.startswith("/v1/analytics/") and isinstance(content, list)
            and params.get("start_date") is not None and params.get("end_date") is not None
            and _has_time_bucket(request))


def _has_time_bucket(request: MockRequest) -> bool:
    success = request.operation.success
    if success is None or success.schema is None:
        return False
    schema = request.resolver.deref(success.schema)
    items = request.resolver.deref(schema.get("items", {})) if schema.get("type") == "array" else {}
    return "time_bucket" in items.get("properties", {})


def _starts(request: MockRequest, limits: Limits) -> np.ndarray:
    try:
        query = parse_query(request.params, limits, ())
    except QueryError as exc:
        raise Impossible(str(exc)) from exc
    days = query.window.day_numbers()
    granularity = query.granularity if "granularity" in request.params else Granularity.DAY
    if granularity is Granularity.WEEK:
        return np.unique(week_starts(days)) * 86400
    step = granularity.seconds
    per_day = 86400 // step if step < 86400 else 1
    return (days[:, None] * 86400 + np.arange(per_day)[None, :] * step).reshape(-1)


def window_labels(request: MockRequest, limits: Limits) -> Any:
    """``labels(n)``: the first n bucket labels of the request's window (none without a window)."""
    def labels(n: int) -> list[str]:
        if request.params.get("start_date") is None or request.params.get("end_date") is None:
            return []
        return bucket_labels(_starts(request, limits)[:n])
    return labels


def timeseries_rows(request: MockRequest, generate_row: Any, limits: Limits) -> Generated:
    """``generate_row(i)`` makes the i-th template row from the item schema."""
    labels = bucket_labels(_starts(request, limits))
    templates = [generate_row(i) for i in range(min(_TEMPLATES, len(labels)))]
    rows = [{**templates[i % len(templates)], "time_bucket": label} for i, label in enumerate(labels)]
    success = request.operation.success
    return Generated(success.status if success else 200, rows)
