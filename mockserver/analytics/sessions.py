"""Sessions analytics: escalation rate per bucket, by channel."""

from __future__ import annotations

from typing import Any

import numpy as np

from mockserver.analytics.measures import rate_pct, window_totals
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import bucket_labels
from mockserver.world.keys import stable_key
from mockserver.world.rng import hash_keys, standard_normal
from mockserver.world.traffic import series
from mockserver.world.world import World

__all__ = ["FILTERS", "VOLUME_FILTERS", "escalation_rate_rows", "by_channel_rows", "volume_rows",
           "status_breakdown_rows"]

FILTERS = ("channel",)
VOLUME_FILTERS = ("channel", "status", "priority")


def escalation_rate_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    table = world.sessions
    leaves = table.select(query.filters)
    escalated_leaf = (table.kind[leaves] == "escalated").astype(np.int64)  # group 1 = escalated, 0 = handled
    buckets = series(table, leaves, query.window, query.granularity, world.params, combine=escalated_leaf, groups=2)
    escalated = buckets.counts[1]
    total = buckets.counts[0] + escalated
    rates = rate_pct(escalated, total)
    return [
        {"time_bucket": t, "total_sessions": n, "escalated_sessions": e, "escalation_rate_pct": r}
        for t, n, e, r in zip(bucket_labels(buckets.starts), total.tolist(), escalated.tolist(), rates.tolist())
    ]


_RESOLUTION = 9  # stream id of the per-window resolution-time wobble


def by_channel_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    """Per channel over the window, from the same session leaves as the escalation rate.

    Sessions not escalated are the ones the agent resolved, so
    ``resolved + escalated = total`` and the two rates add up to 100 (within rounding).
    """
    table = world.sessions
    leaves = np.arange(len(table), dtype=np.int64)
    totals = window_totals(table, leaves, query.window, world.params)
    channels = table.dims["channel"]
    catalog = {c.name: c for c in world.catalog.channels}
    rows: list[dict[str, Any]] = []
    for name in catalog:
        escalated = int(totals.counts[(channels == name) & (table.kind == "escalated")].sum())
        resolved = int(totals.counts[(channels == name) & (table.kind == "handled")].sum())
        total = escalated + resolved
        if total == 0:
            continue
        wobble = float(standard_normal(hash_keys(world.seed, _RESOLUTION, stable_key("channel", name),
                                                 query.window.first_day, query.window.last_day)))
        minutes = round(catalog[name].resolution_minutes * float(np.exp(0.08 * wobble)), 2)
        rows.append({
            "channel": name,
            "total_sessions": total,
            "resolved_sessions": resolved,
            "resolution_rate_pct": float(rate_pct(np.array([resolved]), np.array([total]))[0]),
            "avg_resolution_minutes": minutes,
            "escalated_sessions": escalated,
            "escalation_rate_pct": float(rate_pct(np.array([escalated]), np.array([total]))[0]),
        })
    rows.sort(key=lambda row: (-row["total_sessions"], row["channel"]))
    return rows


def volume_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    """Sessions created per bucket and channel: dense (every channel in every bucket), buckets ascending."""
    table = world.sessions
    leaves = table.select(query.filters)
    wanted = query.filters.get("channel")
    names = [c.name for c in world.catalog.channels if wanted in (None, c.name)]
    position = {name: i for i, name in enumerate(names)}
    channel_of = np.array([position.get(name, 0) for name in table.dims["channel"][leaves].tolist()], dtype=np.int64)
    buckets = series(table, leaves, query.window, query.granularity, world.params, combine=channel_of,
                     groups=len(names))
    created = buckets.counts.tolist()
    return [
        {"time_bucket": label, "channel": name, "sessions_created": created[c][i]}
        for i, label in enumerate(bucket_labels(buckets.starts))
        for c, name in enumerate(names)
    ]


def status_breakdown_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    """Sessions of the window by current status; percentages of the window's sessions."""
    table = world.sessions
    leaves = table.select(query.filters)
    totals = window_totals(table, leaves, query.window, world.params)
    statuses = table.dims["status"][leaves]
    names = sorted(set(statuses.tolist()))
    counts = [int(totals.counts[statuses == name].sum()) for name in names]
    whole = sum(counts)
    shares = rate_pct(np.array(counts), np.full(len(counts), whole)).tolist()
    rows = [{"status": name, "session_count": n, "percentage": share}
            for name, n, share in zip(names, counts, shares) if n > 0]
    rows.sort(key=lambda row: (-row["session_count"], row["status"]))
    return rows
