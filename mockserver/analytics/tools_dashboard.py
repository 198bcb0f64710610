"""``GET /v1/analytics/tools/dashboard``: four panels over the same tool calls as the 17 standalone operations.

* ``summary``: the window against the equal-length window just before it;
* ``top_tools``: ``usage/by-tool``'s rows (same order, ``top_tools_limit``), with errors and average latency;
* ``health_matrix``: per tool with at least ``min_invocations`` calls, its error rate now and before (as
  ``reliability/error-trend`` filtered to the tool), and scores (0-100): success rate; latency
  ``100 * (1 - p95 / latency_ceiling_ms)`` floored at 0; error trend ``50 - 10 * delta`` clamped to 0..100; health
  the 0.5 / 0.3 / 0.2 weighted mean. Worst health first, ``health_matrix_limit`` rows;
* ``recent_errors``: the latest failed calls of the window, newest first: each is one of the failures the hourly
  series counts, placed at a second inside its hour.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from mockserver.analytics import tools
from mockserver.analytics.measures import pct_change
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import Granularity, Window, iso_instant
from mockserver.world.catalog import Tool
from mockserver.world.rng import hash_keys, standard_normal, uniform
from mockserver.world.traffic import series
from mockserver.world.world import World

__all__ = ["dashboard", "FILTERS"]

FILTERS = ("tool_type", "revision_id")
Row = dict[str, Any]
_EVENT = 11  # stream of the recent-error events
_LOOKBACK_DAYS = 7  # recent errors are searched in the window's last week


def _summary(world: World, query: AnalyticsQuery) -> Row:
    leaves = tools._select(world, query.filters)
    figures = []
    for window in (query.window, query.window.previous()):
        m = tools.window_measures(world, window, leaves)
        latency = m.latency()
        counts = tools._all_totals(world, window).counts[leaves]  # the totals ``m`` is made of
        active = len(set(world.tools.dims["tool_id"][leaves][counts > 0].tolist()))  # tools with any call
        figures.append({"invocations": m.invocations, "errors": m.failed, "success_rate": m.success_rate,
                        "avg_latency_ms": latency["avg_ms"], "p95_latency_ms": latency["p95_ms"],
                        "active_tools": active})
    now, before = figures
    row: Row = {}
    for name in now:
        row[f"current_{name}"] = now[name]
        row[f"previous_{name}"] = before[name]
        row[f"pct_change_{name}"] = pct_change(now[name], before[name])
    return row


PerTool = list[tuple[Tool, tools.Measures]]


def _top_tools(world: World, query: AnalyticsQuery, per_tool: PerTool | None = None) -> list[Row]:
    limited = AnalyticsQuery(query.window, query.granularity, query.filters,
                             {"limit": query.options.get("top_tools_limit") or 10})
    rows = []
    measured = {tool.id: m for tool, m in (per_tool if per_tool is not None else tools._per_tool(world, query))}
    for by_tool in tools.usage_by_tool(world, limited):
        m = measured[by_tool["tool_id"]]
        rows.append({"tool_id": by_tool["tool_id"], "tool_name": by_tool["tool_name"], "tool_type": by_tool["tool_type"],
                     "provider": by_tool["provider"], "invocations": m.invocations, "error_count": m.failed,
                     "success_rate_pct": m.success_rate, "avg_latency_ms": m.latency()["avg_ms"]})
    return rows


def _health_matrix(world: World, query: AnalyticsQuery, per_tool: PerTool | None = None) -> list[Row]:
    floor = int(query.options.get("min_invocations") or 10)
    ceiling = float(query.options.get("latency_ceiling_ms") or 5000.0)
    every = per_tool if per_tool is not None else tools._per_tool(world, query)
    measured = [(tool, m) for tool, m in every if m.invocations >= floor]
    # As reliability/error-trend filtered to each tool (its leaves among the filtered ones), all at once.
    trends = tools.error_trends(world, query.window, [m.rows for _, m in measured])
    rows = []
    for (tool, m), trend in zip(measured, trends):
        p95 = m.latency()["p95_ms"]
        success_score = m.success_rate
        latency_score = round(max(0.0, 100.0 * (1.0 - p95 / ceiling)) if ceiling > 0 else 0.0, 2)
        trend_score = round(min(100.0, max(0.0, 50.0 - 10.0 * trend["delta"])), 2)
        rows.append({"tool_id": tool.id, "tool_name": tool.name, "tool_type": tool.tool_type,
                     "invocation_count": m.invocations, "success_rate": m.success_rate, "p95_latency_ms": p95,
                     "current_error_rate": trend["current_error_rate"],
                     "previous_error_rate": trend["previous_error_rate"], "error_trend_delta": trend["delta"],
                     "success_rate_score": success_score, "latency_score": latency_score,
                     "error_trend_score": trend_score,
                     "health_score": round(0.5 * success_score + 0.3 * latency_score + 0.2 * trend_score, 2)})
    rows.sort(key=lambda r: (r["health_score"], r["tool_name"]))
    return rows[:int(query.options.get("health_matrix_limit") or 50)]


def _recent_errors(world: World, query: AnalyticsQuery) -> list[Row]:
    wanted = int(query.options.get("recent_errors_limit") or 20)
    table = world.tools
    leaves = tools._select(world, query.filters)
    failed = leaves[table.kind[leaves] == "failed"]
    if not len(failed):
        return []
    agents = {a.id: a for a in world.catalog.agents}
    messages = {e.category: (e.status_code, e.messages) for e in world.catalog.tool_errors}
    placed: list[tuple[int, int, int]] = []  # (leaf, hour start, ordinal in the hour) of each failure taken
    last = query.window.last_day
    for day in range(last, max(query.window.first_day, last - _LOOKBACK_DAYS + 1) - 1, -1):
        hourly = series(table, failed, Window(day, day), Granularity.HOUR, world.params, keeper=world)
        counts = hourly.counts.tolist()
        for hour in range(23, -1, -1):
            start = int(hourly.starts[hour])
            for row, leaf in enumerate(failed.tolist()):
                placed.extend((leaf, start, i) for i in range(counts[row][hour]))
            if len(placed) >= wanted:
                break
        if len(placed) >= wanted:
            break
    found = _events(world, placed, agents, messages)
    found.sort(key=lambda e: (e["timestamp"], e["session_id"]), reverse=True)
    return found[:wanted]


def _events(world: World, placed: list[tuple[int, int, int]], agents: dict[str, Any],
            messages: dict[str, tuple[int, tuple[str, ...]]]) -> list[Row]:
    """The failed calls at these (leaf, hour start, ordinal) places; every draw is keyed by the place, so a call
    is the same whichever window or page shows it (all drawn in one vector pass)."""
    if not placed:
        return []
    table = world.tools
    leaf, hour_start, index = (np.array(column, dtype=np.int64) for column in zip(*placed))
    key = hash_keys(world.seed, _EVENT, table.keys[leaf], hour_start, index)
    draws = hash_keys(key[:, None], np.arange(4, dtype=np.uint64)[None, :])  # (events, 4)
    seconds = (uniform(draws[:, 0]) * 3600).astype(np.int64).tolist()
    m1, m2 = table.latency_m1[leaf], table.latency_m2[leaf]
    sigma = np.sqrt(np.log(np.maximum(m2 / (m1 * m1), 1.0)))
    latency = (m1 * np.exp(sigma * standard_normal(draws[:, 1]) - sigma * sigma / 2)).tolist()
    pick = uniform(draws[:, 3]).tolist()
    high, low = draws[:, 2].tolist(), draws[:, 3].tolist()
    rows = []
    for e, (where, start, _) in enumerate(placed):
        tool = tools._tool(world, str(table.dims["tool_id"][where]))
        category = str(table.dims["error_category"][where])
        status, texts = messages.get(category, (500, ("error",)))
        agent = agents.get(str(table.dims["agent_id"][where]))
        rows.append({"timestamp": iso_instant(start + seconds[e]), "tool_id": tool.id, "tool_name": tool.name,
                     "tool_type": tool.tool_type, "provider": tool.provider, "agent_id": agent.id if agent else None,
                     "session_id": str(uuid.UUID(int=high[e] << 64 | low[e], version=4)),
                     "error_category": category, "status_code": status,
                     "error_message": texts[int(pick[e] * len(texts))], "latency_ms": round(latency[e], 2)})
    return rows


def dashboard(world: World, query: AnalyticsQuery) -> Row:
    per_tool = tools._per_tool(world, query)  # top tools and the health matrix read the same measures: once
    return {"summary": [_summary(world, query)], "top_tools": _top_tools(world, query, per_tool),
            "health_matrix": _health_matrix(world, query, per_tool), "recent_errors": _recent_errors(world, query)}
