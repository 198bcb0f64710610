"""Sessions analytics: escalation rate per bucket, by channel."""

from __future__ import annotations

from typing import Any

from mockserver.analytics.measures import rate_pct, timeseries
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import bucket_labels
from mockserver.world.world import World

__all__ = ["FILTERS", "escalation_rate_rows"]

FILTERS = ("channel",)


def escalation_rate_rows(world: World, query: AnalyticsQuery) -> list[dict[str, Any]]:
    table = world.sessions
    leaves = table.select(query.filters)
    s = timeseries(table, leaves, query.window, query.granularity, world.params, with_latency=False)
    escalated = s.count("escalated")
    total = escalated + s.count("handled")
    rates = rate_pct(escalated, total)
    return [
        {"time_bucket": t, "total_sessions": n, "escalated_sessions": e, "escalation_rate_pct": r}
        for t, n, e, r in zip(bucket_labels(s.starts), total.tolist(), escalated.tolist(), rates.tolist())
    ]
