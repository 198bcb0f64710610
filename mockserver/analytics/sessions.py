"""Sessions analytics over time: escalation rate, volume, and the status breakdown."""

from __future__ import annotations

from typing import Any

import numpy as np

from mockserver.analytics.measures import rate_pct
from mockserver.analytics.query import AnalyticsQuery
from mockserver.analytics.session_quality import window_sessions
from mockserver.world.calendar import bucket_labels
from mockserver.world.traffic import series
from mockserver.world.world import World

__all__ = ["FILTERS", "VOLUME_FILTERS", "escalation_rate_rows", "volume_rows", "status_breakdown_rows"]

FILTERS = ("channel",)
VOLUME_FILTERS = ("channel", "status", "priority")


def escalation_rate_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    table = world.sessions
    leaves = table.select(query.filters)
    escalated_leaf = (table.kind[leaves] == "escalated").astype(np.int64)  # group 1 = escalated, 0 = handled
    buckets = series(table, leaves, query.window, query.granularity, world.params, combine=escalated_leaf, groups=2,
                     keeper=world)
    escalated = buckets.counts[1]
    total = buckets.counts[0] + escalated
    rates = rate_pct(escalated, total)
    return [
        {"time_bucket": t, "total_sessions": n, "escalated_sessions": e, "escalation_rate_pct": r}
        for t, n, e, r in zip(bucket_labels(buckets.starts), total.tolist(), escalated.tolist(), rates.tolist())
    ]


def volume_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    """Sessions created per bucket and channel: dense (every channel in every bucket), buckets ascending."""
    table = world.sessions
    leaves = table.select(query.filters)
    wanted = query.filters.get("channel")
    # A channel the catalog does not know is still a channel: dense zero rows, as in the escalation rate.
    names = [c.name for c in world.catalog.channels] if wanted is None else [wanted]
    position = {name: i for i, name in enumerate(names)}
    channel_of = np.array([position.get(name, 0) for name in table.dims["channel"][leaves].tolist()], dtype=np.int64)
    buckets = series(table, leaves, query.window, query.granularity, world.params, combine=channel_of,
                     groups=len(names), keeper=world)
    created = buckets.counts.tolist()
    return [
        {"time_bucket": label, "channel": name, "sessions_created": created[c][i]}
        for i, label in enumerate(bucket_labels(buckets.starts))
        for c, name in enumerate(names)
    ]


def status_breakdown_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    """Sessions of the window by current status; percentages of the window's sessions. The counts are the
    family's shared per-leaf window totals (``window_sessions``), so they are the other operations' too."""
    table = world.sessions
    leaves = table.select(query.filters)
    leaf_counts = window_sessions(world, query.window).counts[leaves]
    statuses = table.dims["status"][leaves]
    names = sorted(set(statuses.tolist()))
    counts = [int(leaf_counts[statuses == name].sum()) for name in names]
    whole = sum(counts)
    shares = rate_pct(np.array(counts), np.full(len(counts), whole)).tolist()
    rows = [{"status": name, "session_count": n, "percentage": share}
            for name, n, share in zip(names, counts, shares) if n > 0]
    rows.sort(key=lambda row: (-row["session_count"], row["status"]))
    return rows
