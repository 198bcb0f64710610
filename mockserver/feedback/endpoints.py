"""``POST /feedback/stats`` and ``POST /feedback/payload_schema`` as pure functions of (world, body, now)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mockserver.feedback.catalog import FeedbackCatalog
from mockserver.feedback.request import (
    FeedbackError,
    TimeRange,
    body_datetime,
    check_json_path,
    percentile_key,
    resolve_granularity,
    resolve_range,
    slug,
    utc_text,
    zone,
)
from mockserver.feedback.rows import Rows, generate_rows, trigger_ref
from mockserver.feedback.stats import DEFAULT_AGGREGATIONS, MetricPlan, aggregates
from mockserver.world.calendar import wall_texts
from mockserver.world.world import Memo

__all__ = ["FeedbackWorld", "feedback_stats", "payload_schema"]

F64 = NDArray[np.float64]
_FIRST_INSTANT = -62135596800  # 0001-01-01T00:00:00Z: buckets cannot start earlier


@dataclass(frozen=True, slots=True)
class FeedbackWorld:
    catalog: FeedbackCatalog
    seed: int
    weekday: F64
    hour_shape: F64  # relative, mean 1
    volume: float = 1.0  # the scenario's feedback volume factor
    memo: Memo | None = None  # keeps each day's row minutes across requests (the worlds' shared, bounded memo)


def _plans(metrics: list[dict[str, Any]]) -> list[MetricPlan]:
    plans = []
    for metric in metrics:
        path = metric["json_path"]
        check_json_path(path)
        value_type = metric.get("value_type") or "numeric"
        aggregations = tuple(metric.get("aggregations") or DEFAULT_AGGREGATIONS[value_type])
        percentiles = tuple((percentile_key(p), round(p / 100, 6)) for p in metric.get("percentiles") or ())
        if value_type != "numeric":
            percentiles = ()  # documented: percentiles apply to numeric metrics only
        plans.append(MetricPlan(path, slug(path), value_type, aggregations, percentiles))
    return plans


def _rows(world: FeedbackWorld, body: dict[str, Any], window: TimeRange, paths: frozenset[str] | None = None,
          versions: bool = False, seconds: bool = True) -> Rows:
    """The window's rows, with the payload columns of ``paths`` only (all when None), their trigger versions
    when asked for (or when ``trigger_ref`` filters by them), and their seconds unless ``seconds`` is False (then
    ``created_at`` is each row's minute, enough when the window starts and ends on a minute)."""
    catalog = world.catalog
    wanted_type = body.get("feedback_type")
    type_mask = np.array([wanted_type is None or t.name == wanted_type for t in catalog.types])
    start_ts, end_ts = window.start.timestamp(), window.end.timestamp()
    first_minute, last_minute = math.floor(start_ts / 60), math.ceil(end_ts / 60)
    ref = body.get("trigger_ref")
    rows = generate_rows(catalog, world.seed, body["project_id"], first_minute, last_minute,
                         world.weekday * world.volume, world.hour_shape, type_mask, paths, world.memo,
                         versions=versions or ref is not None, seconds=seconds)
    keep = (rows.created_at >= start_ts) & (rows.created_at < end_ts)
    if ref is not None:
        assert rows.version_index is not None
        allowed = _matching_refs(catalog, body["project_id"], ref)
        keep &= np.isin(rows.type_index * 1000 + rows.version_index, list(allowed))
    return rows.take(keep)


def _matching_refs(catalog: FeedbackCatalog, project_id: str, wanted: str) -> set[int]:
    """(type, version) pairs whose ref matches exactly, or by prefix when ``wanted`` ends in ``:*``."""
    prefix = wanted[:-2] if wanted.endswith(":*") else None
    matches = set()
    for t, ftype in enumerate(catalog.types):
        for v, (version, _) in enumerate(ftype.versions):
            ref = trigger_ref(project_id, ftype, version)
            if (prefix is not None and ref.startswith(prefix)) or ref == wanted:
                matches.add(t * 1000 + v)
    return matches


_INT64_SAFE = 1 << 62


def feedback_stats(world: FeedbackWorld, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    window = resolve_range(body_datetime(body["start"]), body_datetime(body.get("end")), now)  # type: ignore[arg-type]
    timezone_name = body.get("timezone", "UTC")
    tz = zone(timezone_name)
    metrics = body.get("metrics") or []
    head = {"start": utc_text(window.start), "end": utc_text(window.end)}
    if not metrics:
        return {**head, "granularity": 3600, "timezone": timezone_name, "buckets": [], "window_stats": None}
    plans = _plans(metrics)
    granularity = resolve_granularity(body.get("granularity"), window.span_seconds)
    start_ts, end_ts = window.start.timestamp(), window.end.timestamp()
    first = math.floor(start_ts / granularity) * granularity
    if first < _FIRST_INSTANT:
        raise FeedbackError(f"granularity {granularity} would start the first bucket before year 1")
    n_buckets = max(0, math.ceil((end_ts - first) / granularity))
    # Every timestamp fits in 40 bits, so any granularity past 2**62 buckets exactly as 2**62
    # does; capping keeps the arithmetic inside int64 (the response still reports the request's).
    step = min(granularity, _INT64_SAFE)
    rows = _rows(world, body, window, frozenset(plan.json_path for plan in plans),
                 seconds=_seconds_matter(start_ts, end_ts, first, step))
    bucket_index = (rows.created_at - first) // step
    buckets, window_stats = aggregates(rows, bucket_index, n_buckets, plans, _labels(first, granularity, n_buckets, tz))
    return {**head, "granularity": granularity, "timezone": timezone_name, "buckets": buckets,
            "window_stats": window_stats}


def _seconds_matter(start_ts: float, end_ts: float, first: int, step: int) -> bool:
    """Whether a row's second within its minute can change the answer: not when the window starts and ends on a
    minute (every row of its minutes is inside) and buckets start on minutes and span whole minutes (a minute's
    rows share a bucket)."""
    return not (start_ts % 60 == 0 and end_ts % 60 == 0 and first % 60 == 0 and step % 60 == 0)


def _labels(first: int, granularity: int, n: int, tz: dt.tzinfo) -> list[str]:
    """Bucket starts rendered in the request's timezone (``2024-01-01T00:00:00-05:00``); boundaries stay epoch-aligned."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    try:
        if isinstance(tz, dt.timezone) and n:  # a fixed offset (UTC, the default): one offset text for every label
            ends = [(epoch + dt.timedelta(seconds=first + k * granularity)).astimezone(tz) for k in (0, n - 1)]
            offset, suffix = int(ends[0].utcoffset().total_seconds()), ends[0].isoformat()[19:]  # type: ignore[union-attr]
            step = granularity if n > 1 else 0  # (one bucket: any granularity, even past int64)
            return wall_texts(first + offset + step * np.arange(n, dtype=np.int64), suffix)
        return [(epoch + dt.timedelta(seconds=first + k * granularity)).astimezone(tz).isoformat() for k in range(n)]
    except (OverflowError, ValueError) as exc:
        raise FeedbackError(f"bucket timestamps fall outside the representable range ({exc})") from exc


def payload_schema(world: FeedbackWorld, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    window = resolve_range(body_datetime(body["start"]), body_datetime(body.get("end")), now)  # type: ignore[arg-type]
    rows = _rows(world, body, window, versions=True)
    assert rows.version_index is not None
    limit = int(body.get("sample_limit") or 2000)
    latest: dict[str, int] = {}
    catalog = world.catalog
    for index in np.argsort(rows.created_at, kind="stable").tolist():
        ftype = catalog.types[int(rows.type_index[index])]
        version = ftype.versions[int(rows.version_index[index])][0]
        latest[trigger_ref(body["project_id"], ftype, version)] = index  # ascending: the last one wins
    seen: dict[str, set[str]] = {}
    for ref in sorted(latest)[:limit]:
        index = latest[ref]
        for path, column in rows.columns.items():
            if column.kind == "categorical":
                if column.codes is not None and column.codes[index] >= 0:
                    seen.setdefault(path, set()).add("categorical")
            elif column.numbers is not None and not np.isnan(column.numbers[index]):
                seen.setdefault(path, set()).add(column.kind)
    paths = [{"json_path": path, "value_type": _inferred(kinds)} for path, kinds in sorted(seen.items())]
    return {"paths": paths}


def _inferred(kinds: set[str]) -> str:
    if kinds == {"boolean"}:
        return "boolean"
    if kinds == {"numeric"}:
        return "numeric"
    return "categorical"
