"""The tools analytics family: 18 operations as small declarations over one stream of tool calls.

Every row is a question asked of the same leaves (tool, agent, outcome, retries;
``world/leaves.py``): *select* the leaves the operation's filters name, *measure*
them over the window or per bucket (calls by outcome, latency moments), *group*
them by one dimension, and *shape* the result (sort, ``limit``, a threshold).
Window measures are the window's day cells (shared by every operation, memoised
per window), so all 18 operations report the same invocations for the same
window and filters, to the call.

Conventions (``docs/world.md``, tools): rates and shares are percentages with 2
decimals; ``failed`` = every error category; an empty group is left out of
grouped rows; timeseries are dense.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from mockserver.analytics.measures import Totals, kept_totals, rate_pct, rate_pct_of, timeseries, window_figures, window_totals
from mockserver.analytics.query import FIRST_DAY, AnalyticsQuery
from mockserver.analytics.session_quality import window_sessions
from mockserver.world.calendar import Window, bucket_labels
from mockserver.world.catalog import Tool
from mockserver.world.distributions import apportion, normal_cdf
from mockserver.world.latency import LatencyStats, window_latency
from mockserver.world.leaves import retry_moments
from mockserver.world.traffic import BucketSeries, series
from mockserver.world.world import World

__all__ = ["OPERATIONS", "LATENCY_BUCKETS", "window_measures", "Measures"]

I64 = NDArray[np.int64]
Row = dict[str, Any]

# Fixed latency histogram (tools/performance/distribution): label, upper edge in ms (None = open).
LATENCY_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("0-100ms", 100), ("100-250ms", 250), ("250-500ms", 500), ("500ms-1s", 1000), ("1-2.5s", 2500),
    ("2.5-5s", 5000), ("5-10s", 10000), ("10s+", None))


@dataclass(frozen=True, slots=True)
class Measures:
    """A set of tool calls over a window: counts and latency moments."""

    invocations: int
    successful: int
    failed: int
    timeouts: int
    s1: float
    s2: float
    by_category: dict[str, int]
    seed: int
    window: Window
    cells: BucketSeries | None  # every leaf's day cells over the window
    rows: I64  # this set's leaves (rows of ``cells``)
    figures: dict[str, float] | None = None  # the latency, when computed with other sets' at once

    def latency(self) -> dict[str, float]:
        """The window's figures, as the one bucket of a timeseries spanning exactly this window reports them
        (the span of its days: within their range, its maximum the largest day's)."""
        if self.figures is not None:
            return self.figures
        return _figures_of(window_figures(self.cells, self.rows, self.seed, self.window), 0)

    @property
    def success_rate(self) -> float:
        return rate_pct_of(self.successful, self.invocations)

    @property
    def error_rate(self) -> float:
        return rate_pct_of(self.failed, self.invocations)


def _all_totals(world: World, window: Window) -> Totals:
    """Every tool leaf's calls in the window (row i = leaf i), with their day cells (the sums memoised per
    window): shared by the whole family (an operation asks for them once per group of rows)."""
    table = world.tools
    every = np.arange(len(table), dtype=np.int64)
    if window.first_day < FIRST_DAY:
        return window_totals(table, every, window, world.params, keeper=world)
    return kept_totals(table, window, world.params, world, "tool-totals")


def _all_counts(world: World, window: Window) -> Totals:
    """Every tool leaf's calls in the window without their latency (cheaper: no hour is split), unless the
    totals with latency are already kept (the counts are the same)."""
    kept = world.kept_briefly(("tool-totals", window))
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    table = world.tools
    every = np.arange(len(table), dtype=np.int64)
    if window.first_day < FIRST_DAY:
        return window_totals(table, every, window, world.params, with_latency=False, keeper=world)
    return world.briefly(("tool-counts", window), lambda: replace(
        window_totals(table, every, window, world.params, with_latency=False, keeper=world), days=None))


def window_measures(world: World, window: Window, leaves: I64, latency: bool = True) -> Measures:
    """The leaves' calls in the window; without ``latency`` the moments are zeros and ``latency()`` must not be
    asked (for operations that report counts only)."""
    totals = _all_totals(world, window) if latency else _all_counts(world, window)
    counts = totals.counts[leaves]
    kind = world.tools.kind[leaves]
    category = world.tools.dims["error_category"][leaves]
    failed = counts[kind == "failed"]
    by_category = {str(c): int(counts[category == c].sum()) for c in sorted(set(category[kind == "failed"].tolist()))}
    return Measures(int(counts.sum()), int(counts[kind == "success"].sum()), int(failed.sum()),
                    by_category.get("timeout", 0), float(totals.s1[leaves].sum()), float(totals.s2[leaves].sum()),
                    {k: v for k, v in by_category.items() if v}, world.seed, window, totals.days, leaves)


def _figures_of(stats: LatencyStats, i: int) -> dict[str, float]:
    return {"p50_ms": float(stats.p50[i]), "p90_ms": float(stats.p90[i]), "p95_ms": float(stats.p95[i]),
            "p99_ms": float(stats.p99[i]), "avg_ms": float(stats.avg[i]), "max_ms": float(stats.max[i])}


def _measured(world: World, window: Window, groups: list[tuple[str, I64]]) -> list[tuple[str, Measures]]:
    """Measures of several leaf sets, their latency figures computed together (one pass, not one per set)."""
    if not groups:
        return []
    rows = np.concatenate([leaves for _, leaves in groups])
    group = np.repeat(np.arange(len(groups)), [len(leaves) for _, leaves in groups])
    stats = window_figures(_all_totals(world, window).days, rows, world.seed, window, group, len(groups))
    return [(name, replace(window_measures(world, window, leaves), figures=_figures_of(stats, i)))
            for i, (name, leaves) in enumerate(groups)]


def _select(world: World, filters: dict[str, str | None]) -> I64:
    return world.tools.select(filters)


def _groups(world: World, leaves: I64, dim: str) -> list[tuple[str, I64]]:
    """Leaves split by one dimension's values, in the order they first appear (catalog order)."""
    values = world.tools.dims[dim][leaves]
    seen = list(dict.fromkeys(values.tolist()))
    return [(str(value), leaves[values == value]) for value in seen]


def _tool(world: World, tool_id: str) -> Tool:
    return next(t for t in world.catalog.tools if t.id == tool_id)


def _per_tool(world: World, query: AnalyticsQuery, window: Window | None = None,
              latency: bool = True) -> list[tuple[Tool, Measures]]:
    """Measures per tool; with ``latency`` their latency figures too, computed for all tools at once."""
    window = window or query.window
    groups = _groups(world, _select(world, query.filters), "tool_id")
    if not latency:
        return [(_tool(world, tool_id), window_measures(world, window, leaves, latency=False))
                for tool_id, leaves in groups]
    return [(_tool(world, tool_id), m) for tool_id, m in _measured(world, window, groups)]


def _tool_fields(tool: Tool, provider: bool = True) -> Row:
    fields: Row = {"tool_id": tool.id, "tool_name": tool.name}
    if provider:
        fields["provider"] = tool.provider
    fields["tool_type"] = tool.tool_type
    return fields


def _limit(query: AnalyticsQuery, name: str = "limit") -> int:
    return int(query.options.get(name) or 10)


# -- usage --------------------------------------------------------------------------------------------------------
def usage_timeseries(world: World, query: AnalyticsQuery) -> list[Row]:
    series = timeseries(world.tools, _select(world, query.filters), query.window, query.granularity, world.params,
                        with_latency=False, keeper=world)
    ok, failed = series.count("success"), series.count("failed")
    return [{"time_bucket": t, "invocations": s + f, "successful": s, "failed": f}
            for t, s, f in zip(bucket_labels(series.starts), ok.tolist(), failed.tolist())]


def _usage(m: Measures) -> Row:
    return {"invocations": m.invocations, "successful": m.successful, "failed": m.failed, "success_rate": m.success_rate}


def _grouped_usage(world: World, query: AnalyticsQuery, dim: str, key: str) -> list[Row]:
    rows = [{key: value, **_usage(window_measures(world, query.window, leaves, latency=False))}
            for value, leaves in _groups(world, _select(world, query.filters), dim)]
    rows = [r for r in rows if r["invocations"]]
    rows.sort(key=lambda r: (-r["invocations"], r[key]))
    return rows


def usage_by_type(world: World, query: AnalyticsQuery) -> list[Row]:
    return _grouped_usage(world, query, "tool_type", "tool_type")


def usage_by_agent(world: World, query: AnalyticsQuery) -> list[Row]:
    return _grouped_usage(world, query, "agent_id", "agent_id")


def usage_by_tool(world: World, query: AnalyticsQuery) -> list[Row]:
    rows = [{**_tool_fields(tool), **_usage(m)} for tool, m in _per_tool(world, query, latency=False) if m.invocations]
    rows.sort(key=lambda r: (-r["invocations"], r["tool_name"]))
    return rows[:_limit(query)]


def unique_conversations(world: World, query: AnalyticsQuery) -> list[Row]:
    """A conversation that uses a tool calls it ``calls_per_conversation`` times on average; no tool is used in
    more conversations than the sessions family counts in the window."""
    sessions = int(window_sessions(world, query.window).counts.sum())
    rows = [{**_tool_fields(tool, provider=False),
             "unique_conversations": min(sessions, max(1, math.ceil(m.invocations / tool.calls_per_conversation))),
             "invocations": m.invocations} for tool, m in _per_tool(world, query, latency=False) if m.invocations]
    rows.sort(key=lambda r: (-r["unique_conversations"], r["tool_name"]))
    return rows


# -- performance --------------------------------------------------------------------------------------------------
def performance_timeseries(world: World, query: AnalyticsQuery) -> list[Row]:
    series = timeseries(world.tools, _select(world, query.filters), query.window, query.granularity, world.params,
                        with_latency=True, keeper=world)
    n = series.count("success", "failed")
    stats = series.latency(query.granularity, world.seed)
    return [{"time_bucket": t, "invocations": int(count), "p50_ms": a, "p90_ms": b, "p95_ms": c, "p99_ms": d,
             "avg_ms": e, "max_ms": f}
            for t, count, a, b, c, d, e, f in zip(bucket_labels(series.starts), n.tolist(), stats.p50.tolist(),
                                                   stats.p90.tolist(), stats.p95.tolist(), stats.p99.tolist(),
                                                   stats.avg.tolist(), stats.max.tolist())]


def performance_by_tool(world: World, query: AnalyticsQuery) -> list[Row]:
    rows: list[Row] = [{"tool_id": tool.id, "tool_name": tool.name, "tool_type": tool.tool_type,
                        "provider": tool.provider, "invocations": m.invocations, **m.latency()}
                       for tool, m in _per_tool(world, query) if m.invocations]
    rows.sort(key=lambda r: (-r["p95_ms"], r["tool_name"]))
    return rows[:_limit(query)]


def performance_by_provider(world: World, query: AnalyticsQuery) -> list[Row]:
    rows: list[Row] = []
    for provider, m in _measured(world, query.window, _groups(world, _select(world, query.filters), "provider")):
        if m.invocations:
            rows.append({"provider": provider, "invocations": m.invocations, **m.latency()})
    rows.sort(key=lambda r: (-r["invocations"], r["provider"]))
    return rows


def latency_distribution(world: World, query: AnalyticsQuery) -> list[Row]:
    """Calls per fixed latency bucket: each leaf's log-normal (fitted to its moments) spread over the edges,
    weighted by its calls, then apportioned so the buckets add up to the window's calls exactly."""
    leaves = _select(world, query.filters)
    totals = _all_totals(world, query.window)
    counts = totals.counts[leaves].astype(np.float64)
    m1, m2 = world.tools.latency_m1[leaves], world.tools.latency_m2[leaves]
    sigma = np.sqrt(np.log(np.maximum(m2 / np.maximum(m1 * m1, 1e-12), 1.0)))
    mu = np.log(np.maximum(m1, 1e-12)) - sigma * sigma / 2
    shares = []
    below = np.zeros(len(leaves))
    for _, edge in LATENCY_BUCKETS:
        upto = np.ones(len(leaves)) if edge is None else normal_cdf((math.log(edge) - mu) / np.maximum(sigma, 1e-9))
        shares.append(float((counts * (upto - below)).sum()))
        below = upto
    calls = apportion(int(counts.sum()), np.array(shares))
    return [{"bucket_index": i, "bucket": label, "invocations": n}
            for i, ((label, _), n) in enumerate(zip(LATENCY_BUCKETS, calls))]



def retry_analysis(world: World, query: AnalyticsQuery) -> list[Row]:
    """Calls by number of retries: each leaf's calls split by its kind's retry shares (largest remainder, so the
    rows add up to the calls exactly); a call with ``r`` retries takes ``r + 1`` attempts."""
    leaves = _select(world, query.filters)
    table, totals = world.tools, _all_totals(world, query.window)
    shares = world.catalog.tool_retries
    depth = max((len(v) for v in shares.values()), default=1)
    calls = np.zeros(depth, dtype=np.int64)
    s1, s2 = np.zeros(depth), np.zeros(depth)
    for leaf in leaves.tolist():
        kind_shares = shares.get(str(table.kind[leaf]), (1.0,))
        first, second = retry_moments(kind_shares)
        split = apportion(int(totals.counts[leaf]), np.array(kind_shares))
        for r, n in enumerate(split):
            calls[r] += n
            s1[r] += n * table.latency_m1[leaf] / first * (r + 1)
            s2[r] += n * table.latency_m2[leaf] / second * (r + 1) ** 2
    stats = window_latency(calls, s1, s2, world.seed, query.window.first_day, query.window.days)
    total = int(calls.sum())
    return [{"retry_count": r, "invocations": int(calls[r]),
             "share": float(rate_pct(calls[r:r + 1], np.array([total]))[0]), "avg_retry_count": float(r),
             "avg_latency_ms": float(stats.avg[r]), "p95_latency_ms": float(stats.p95[r])}
            for r in range(depth) if calls[r]]


# -- reliability --------------------------------------------------------------------------------------------------
def success_rate_timeseries(world: World, query: AnalyticsQuery) -> list[Row]:
    rows = usage_timeseries(world, query)
    rates = rate_pct(np.array([r["successful"] for r in rows], dtype=np.int64),
                     np.array([r["invocations"] for r in rows], dtype=np.int64)).tolist()
    return [{"time_bucket": r["time_bucket"], "total_invocations": r["invocations"], "successful": r["successful"],
             "failed": r["failed"], "success_rate_pct": rate} for r, rate in zip(rows, rates)]


def error_breakdown(world: World, query: AnalyticsQuery) -> list[Row]:
    m = window_measures(world, query.window, _select(world, query.filters), latency=False)
    rows: list[Row] = [{"error_category": c, "count": n,
             "percentage_of_total_errors": rate_pct_of(n, m.failed)}
            for c, n in m.by_category.items()]
    rows.sort(key=lambda r: (-r["count"], r["error_category"]))
    return rows


def error_breakdown_by_status(world: World, query: AnalyticsQuery) -> list[Row]:
    m = window_measures(world, query.window, _select(world, query.filters), latency=False)
    by_status: dict[int, tuple[int, list[str]]] = {}
    for error in world.catalog.tool_errors:
        n = m.by_category.get(error.category, 0)
        if n:
            count, messages = by_status.get(error.status_code, (0, []))
            by_status[error.status_code] = (count + n, messages + list(error.messages))
    rows: list[Row] = [{"status_code": code, "count": n, "top_error_messages": messages[:3]}
            for code, (n, messages) in by_status.items()]
    rows.sort(key=lambda r: (-r["count"], r["status_code"]))
    return rows


def _dominant(m: Measures) -> str | None:
    return min(m.by_category.items(), key=lambda item: (-item[1], item[0]))[0] if m.by_category else None


def ranking(world: World, query: AnalyticsQuery) -> list[Row]:
    floor = int(query.options.get("min_invocations") or 10)
    rows: list[Row] = [{**_tool_fields(tool, provider=False), "invocation_count": m.invocations, "error_count": m.failed,
             "success_rate_pct": m.success_rate, "dominant_error_category": _dominant(m)}
            for tool, m in _per_tool(world, query, latency=False) if m.invocations >= floor]
    rows.sort(key=lambda r: (r["success_rate_pct"], -r["invocation_count"], r["tool_name"]))
    return rows[:int(query.options.get("limit") or 20)]


def error_timeseries(world: World, query: AnalyticsQuery) -> list[Row]:
    """Every error category of the catalog (or the filtered one) in every bucket, zeros included; one series
    summed into the categories while it is drawn."""
    wanted = query.filters.get("error_category")
    categories = [e.category for e in world.catalog.tool_errors] if wanted is None else [wanted]
    table = world.tools
    leaves = _select(world, query.filters)
    failed = leaves[table.kind[leaves] == "failed"]
    position = {c: i for i, c in enumerate(categories)}
    failed = failed[np.isin(table.dims["error_category"][failed], categories)]
    group = np.array([position[str(c)] for c in table.dims["error_category"][failed]], dtype=np.int64)
    buckets = series(table, failed, query.window, query.granularity, world.params, combine=group,
                     groups=len(categories), keeper=world)
    counts = buckets.counts.tolist()
    return [{"time_bucket": label, "error_category": c, "count": counts[position[c]][i]}
            for i, label in enumerate(bucket_labels(buckets.starts)) for c in categories]


def _direction(delta: float) -> str:
    return "up" if delta > 0 else "down" if delta < 0 else "flat"


def error_trend(world: World, query: AnalyticsQuery) -> list[Row]:
    return error_trends(world, query.window, [_select(world, query.filters)])


def error_trends(world: World, window: Window, leaf_sets: list[I64]) -> list[Row]:
    """``error_trend``'s row for each set of leaves (the dashboard's health matrix asks for one per tool): the
    failed share of the calls in the window and in the one before, from the family's counts."""
    failed_leaf = world.tools.kind == "failed"
    figures = []
    for w in (window, window.previous()):
        counts = _all_counts(world, w).counts
        totals = np.array([int(counts[leaves].sum()) for leaves in leaf_sets], dtype=np.int64)
        failed = np.array([int(counts[leaves[failed_leaf[leaves]]].sum()) for leaves in leaf_sets], dtype=np.int64)
        figures.append((totals.tolist(), rate_pct(failed, totals).tolist()))
    (now_total, now_rate), (before_total, before_rate) = figures
    rows = []
    for i in range(len(leaf_sets)):
        delta = round(now_rate[i] - before_rate[i], 2)
        rows.append({"current_error_rate": now_rate[i], "previous_error_rate": before_rate[i], "delta": delta,
                     "direction": _direction(delta), "current_total": now_total[i],
                     "previous_total": before_total[i]})
    return rows


def timeout_analysis(world: World, query: AnalyticsQuery) -> list[Row]:
    floor = int(query.options.get("min_invocations") or 10)
    rows: list[Row] = []
    for tool, m in _per_tool(world, query):
        if m.invocations < floor:
            continue
        latency = m.latency()
        rows.append({**_tool_fields(tool, provider=False), "invocation_count": m.invocations,
                     "timeout_count": m.timeouts,
                     "timeout_rate": rate_pct_of(m.timeouts, m.invocations),
                     "p95_latency_ms": latency["p95_ms"], "max_latency_ms": latency["max_ms"]})
    rows.sort(key=lambda r: (-r["timeout_rate"], -r["invocation_count"], r["tool_name"]))
    return rows[:int(query.options.get("limit") or 20)]


# -- registry -----------------------------------------------------------------------------------------------------
Generator = Callable[[World, AnalyticsQuery], Any]
F = ("tool_type", "tool_id", "revision_id")

# operationId -> (generator, the filters it accepts: query parameter = leaf dimension). The dashboard is in
# ``tools_dashboard.py``; options (limit, min_invocations...) reach the generators as ``query.options``.
OPERATIONS: dict[str, tuple[Generator, tuple[str, ...]]] = {
    "getToolUsageTimeseries": (usage_timeseries, ("tool_type", "tool_id", "agent_id", "revision_id")),
    "getToolUsageByType": (usage_by_type, ()),
    "getToolUsageByTool": (usage_by_tool, ("tool_type", "revision_id")),
    "getToolUsageByAgent": (usage_by_agent, ("tool_id", "revision_id")),
    "getToolUniqueConversations": (unique_conversations, ()),
    "getToolPerformanceTimeseries": (performance_timeseries, F),
    "getToolPerformanceByTool": (performance_by_tool, ("tool_type", "revision_id")),
    "getToolPerformanceDistribution": (latency_distribution, ("tool_id", "revision_id")),
    "getToolPerformanceByProvider": (performance_by_provider, ()),
    "getToolPerformanceRetryAnalysis": (retry_analysis, ("tool_id", "revision_id")),
    "getToolReliabilitySuccessRateTimeseries": (success_rate_timeseries, F),
    "getToolReliabilityErrorBreakdown": (error_breakdown, F),
    "getToolReliabilityErrorBreakdownByStatus": (error_breakdown_by_status, F),
    "getToolReliabilityRanking": (ranking, ("tool_type",)),
    "getToolReliabilityErrorTimeseries": (error_timeseries, ("tool_id", "error_category", "revision_id")),
    "getToolReliabilityErrorTrend": (error_trend, ("tool_id", "revision_id")),
    "getToolReliabilityTimeoutAnalysis": (timeout_analysis, ("tool_id", "revision_id")),
}

