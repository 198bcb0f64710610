"""The data rules frontends rely on, as pure functions of (path, query, body) -> broken rules.

Each returned string names the rule and the offending row, so a failure reads
like "escalated_sessions <= total_sessions: row 3 has 12 > 9". The sandbox's
own test suite and ``mockserver check`` use the same functions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator, Mapping

__all__ = ["broken_rules"]

_STEP = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_AGG = re.compile(r"^(sum|avg|min|max|count|count_true|count_false|p\d+(?:\.\d+)?)_(.+)$")


def _close(a: float, b: float, tolerance: float = 0.011) -> bool:
    return abs(a - b) <= tolerance


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _instant(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _buckets(rows: list[Any], query: Mapping[str, str]) -> Iterator[str]:
    """time_bucket: aligned to the granularity, inside the window, ascending, no duplicates.

    Rows split by a label (e.g. one row per channel and bucket) may share a bucket;
    each label's buckets must then be unique and the whole list in time order.
    """
    try:
        start = dt.datetime.combine(dt.date.fromisoformat(query["start_date"]), dt.time(), dt.timezone.utc)
        end = dt.datetime.combine(dt.date.fromisoformat(query["end_date"]), dt.time(), dt.timezone.utc) + dt.timedelta(days=1)
    except (KeyError, ValueError):
        return
    step = _STEP.get(query.get("granularity") or "hour", 3600)
    previous: dt.datetime | None = None
    seen: set[tuple[Any, ...]] = set()
    for i, row in enumerate(rows):
        moment = _instant(row.get("time_bucket", "")) if isinstance(row, dict) else None
        if moment is None:
            yield f"time_bucket is an ISO 8601 instant: row {i} has {row.get('time_bucket') if isinstance(row, dict) else row!r}"
            continue
        seconds = int(moment.timestamp())
        aligned = (seconds - 345600) % step == 0 if step == 604800 else seconds % step == 0
        if not aligned:
            yield f"time_bucket aligned to the granularity ({step} s): row {i} is {row['time_bucket']}"
        if not (moment + dt.timedelta(seconds=step) > start and moment < end):
            yield f"time_bucket inside the window {query['start_date']}..{query['end_date']}: row {i} is {row['time_bucket']}"
        label = tuple(v for k, v in row.items() if k != "time_bucket" and isinstance(v, str))
        if (label, moment) in seen or (previous is not None and moment < previous):
            yield f"time buckets ascend without duplicates: row {i} ({row['time_bucket']}) repeats or goes back in time"
        seen.add((label, moment))
        previous = moment


def _escalation(rows: list[Any]) -> Iterator[str]:
    for i, row in enumerate(rows):
        total, escalated = row.get("total_sessions", 0), row.get("escalated_sessions", 0)
        if not 0 <= escalated <= total:
            yield f"0 <= escalated_sessions <= total_sessions: row {i} has {escalated} of {total}"
        if "escalation_rate_pct" in row and not _close(row["escalation_rate_pct"], _rate(escalated, total)):
            yield (f"escalation_rate_pct = 100 * escalated / total: row {i} has {row['escalation_rate_pct']}, "
                   f"counts give {_rate(escalated, total)}")


def _invocations(rows: list[Any]) -> Iterator[str]:
    for i, row in enumerate(rows):
        if {"successful", "vendor_errors", "exceptions"} <= row.keys():
            parts = row["successful"] + row["vendor_errors"] + row["exceptions"]
            if row.get("invocations") != parts:
                yield f"invocations = successful + vendor_errors + exceptions: row {i} has {row.get('invocations')} != {parts}"
        if "success_rate_pct" in row and "successful" in row and "invocations" in row:
            expected = _rate(row["successful"], row["invocations"])
            if not _close(row["success_rate_pct"], expected):
                yield (f"success_rate_pct = 100 * successful / invocations: row {i} has {row['success_rate_pct']}, "
                       f"counts give {expected}")


def _latency(rows: list[Any]) -> Iterator[str]:
    for i, row in enumerate(rows):
        order = [row.get(k) for k in ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")]
        if None in order:
            continue
        if not 0 <= order[0] <= order[1] <= order[2] <= order[3] <= order[4]:
            yield f"0 <= p50 <= p90 <= p95 <= p99 <= max_ms: row {i} has {order}"
        if "avg_ms" in row and not 0 <= row["avg_ms"] <= row["max_ms"]:
            yield f"0 <= avg_ms <= max_ms: row {i} has avg {row['avg_ms']} and max {row['max_ms']}"


def _breakdown(rows: list[Any]) -> Iterator[str]:
    counts = [row.get("count", 0) for row in rows]
    if counts != sorted(counts, reverse=True):
        yield "error_breakdown sorted by count descending"
    if rows and not abs(sum(row.get("share_pct", 0) for row in rows) - 100) <= 0.01 * len(rows) + 0.01:
        yield f"share_pct adds up to 100: got {sum(row.get('share_pct', 0) for row in rows):.2f}"


def _summary(rows: list[Any]) -> Iterator[str]:
    for row in rows:
        for name in ("invocations", "failures", "success_rate_pct", "avg_latency_ms", "p95_latency_ms"):
            current, previous, change = (row.get(f"{p}_{name}") for p in ("current", "previous", "pct_change"))
            if current is None or previous is None:
                continue
            if previous == 0 and change is not None:
                yield f"pct_change_{name} is null when previous is 0: got {change}"
            elif previous and change is not None and not _close(change, round(100 * (current - previous) / previous, 2)):
                yield f"pct_change_{name} = 100 * (current - previous) / previous: got {change}"


def _analytics(path: str, query: Mapping[str, str], body: Any) -> Iterator[str]:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if path == "/v1/analytics/integrations/dashboard" and isinstance(body, dict):
        for panel, sub in (("usage", "usage-timeseries"), ("success_rate", "success-rate-timeseries"),
                           ("latency", "latency-timeseries"), ("error_breakdown", "error-breakdown"),
                           ("summary", "summary"), ("by_integration", "by-integration"), ("by_mode", "by-mode")):
            for problem in _analytics(path.replace("dashboard", sub), query, body.get(panel, [])):
                yield f"dashboard.{panel}: {problem}"
        usage_total = sum(r.get("invocations", 0) for r in body.get("usage", []))
        summary = (body.get("summary") or [{}])[0]
        if summary.get("current_invocations") is not None and summary["current_invocations"] != usage_total:
            yield f"dashboard usage total = summary current_invocations: {usage_total} != {summary['current_invocations']}"
        return
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        return
    if body and "time_bucket" in body[0]:
        yield from _buckets(body, query)
    if name == "escalation-rate":
        yield from _escalation(body)
    elif path == "/v1/analytics/integrations/error-breakdown":
        yield from _breakdown(body)
    elif path.startswith("/v1/analytics/integrations/") and name == "summary":
        yield from _summary(body)
    if path.startswith("/v1/analytics/integrations/"):
        yield from _invocations(body)
    yield from _latency(body)


def _feedback(request_body: Any, body: Any) -> Iterator[str]:
    if not isinstance(body, dict) or not isinstance(request_body, dict):
        return
    metrics = request_body.get("metrics") or []
    slugs = {m.get("json_path", "").replace(".", "_").replace(" ", "_") for m in metrics if isinstance(m, dict)}
    granularity = body.get("granularity")
    for i, bucket in enumerate(body.get("buckets") or []):
        keys = list(bucket)
        if keys[:1] != ["timestamp"] or keys[-1:] != ["count"]:
            yield f"bucket keys start with timestamp and end with count: bucket {i} has {keys[:1]}...{keys[-1:]}"
        for key in keys[1:-1]:
            match = _AGG.match(key)
            if match is None or match.group(2) not in slugs:
                yield f"bucket keys are {{agg}}_{{slug}} or p{{P}}_{{slug}} of a requested metric: bucket {i} has {key!r}"
        moment = _instant(bucket.get("timestamp", ""))
        if moment is not None and isinstance(granularity, int) and granularity > 0 and int(moment.timestamp()) % granularity:
            yield f"bucket timestamps are multiples of the granularity ({granularity} s): bucket {i} is {bucket['timestamp']}"
    stats = body.get("window_stats")
    if metrics and isinstance(stats, dict):
        for slug_name, values in stats.items():
            for key, value in (values or {}).items():
                if value is not None and not isinstance(value, float):
                    yield f"window_stats values are floats or null: {slug_name}.{key} is {value!r}"


def broken_rules(path: str, query: Mapping[str, str], request_body: Any, body: Any) -> list[str]:
    """Every data rule the response breaks (empty when it keeps them all)."""
    if path.startswith("/v1/analytics/"):
        return list(_analytics(path, query, body))
    if path == "/feedback/stats":
        return list(_feedback(request_body, body))
    return []
