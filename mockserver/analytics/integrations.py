"""The integrations analytics family: every row derives from one set of leaves.

Each function answers one operation; the dashboard calls the same functions, so
each of its panels equals the standalone operation for the same parameters.
Like the real pipes, a panel only applies the filters its own operation accepts:
``by_integration`` ignores ``integration_key`` (its group key) and ``by_mode``
ignores ``mode``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from mockserver.analytics.measures import (
    FigureAsk,
    Series,
    Totals,
    kept_totals,
    pct_change,
    rate_pct,
    rate_pct_of,
    summarize,
    timeseries,
    window_figures_of,
    window_totals,
)
from mockserver.analytics.query import FIRST_DAY, AnalyticsQuery
from mockserver.world.calendar import Granularity, Window, bucket_labels
from mockserver.world.latency import LatencyStats
from mockserver.world.traffic import BucketSeries, day_cells
from mockserver.world.world import World

__all__ = [
    "FILTERS",
    "usage_rows",
    "success_rate_rows",
    "latency_rows",
    "summary_rows",
    "by_integration_rows",
    "by_mode_rows",
    "error_breakdown_rows",
    "dashboard",
]

FILTERS = ("integration_key", "mode", "slug")
FAILURES = ("vendor_error", "exception")
Row = dict[str, Any]


def _leaves(world: World, filters: dict[str, str | None]) -> NDArray[np.int64]:
    return world.integrations.select(filters)


def _series(world: World, query: AnalyticsQuery) -> Series:
    """Day and week series are cut from the window's day cells, which the totals share."""
    table = world.integrations
    leaves = _leaves(world, query.filters)
    key = ("integrations-series", query.window, query.granularity, tuple(leaves.tolist()))
    if query.granularity in (Granularity.DAY, Granularity.WEEK) and query.window.first_day >= FIRST_DAY:
        return world.briefly(key, lambda: summarize(table, leaves, _day_cells(world, query.window),
                                                    query.granularity))
    return world.briefly(key, lambda: timeseries(table, leaves, query.window, query.granularity, world.params,
                                              with_latency=True, keeper=world))


def _day_cells(world: World, window: Window) -> BucketSeries:
    """Every leaf's day counts and latency moments over the window, cut from the world's kept cells."""
    return day_cells(world.integrations, window, world.params, True, world)


def _all_totals(world: World, window: Window) -> Totals:
    """Per-leaf totals of every leaf, with their day cells (the sums memoised per window); filtered figures are
    subsets, summed in leaf order."""
    if window.first_day < FIRST_DAY:
        return window_totals(world.integrations, np.arange(len(world.integrations)), window, world.params,
                             keeper=world)
    return kept_totals(world.integrations, window, world.params, world, "integrations-totals")


def _subset(world: World, window: Window, filters: dict[str, str | None]) -> Totals:
    totals = _all_totals(world, window)
    chosen = _leaves(world, filters)
    if len(chosen) == len(totals.leaves):  # no filter: every leaf, in order (a 365-day copy is a megabyte)
        return totals
    days = totals.days
    subset = None if days is None else replace(days, leaves=chosen, counts=days.counts[chosen], m1=days.m1[chosen],
                                               m2=days.m2[chosen], hi=days.hi[chosen], lo=days.lo[chosen])
    return Totals(chosen, totals.counts[chosen], totals.s1[chosen], totals.s2[chosen], subset)


def _only(query: AnalyticsQuery, *names: str) -> dict[str, str | None]:
    return {name: query.filters.get(name) for name in names}


def usage_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    return _usage(_series(world, query))


def success_rate_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    return _success_rate(_series(world, query))


def latency_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    return _latency(_series(world, query), world, query)


def _usage(s: Series) -> list[Row]:
    successful = s.count("success")
    vendor = s.count("vendor_error")
    exceptions = s.count("exception")
    invocations = successful + vendor + exceptions
    return [
        {"time_bucket": t, "invocations": n, "successful": ok, "vendor_errors": v, "exceptions": e}
        for t, n, ok, v, e in zip(bucket_labels(s.starts), invocations.tolist(), successful.tolist(),
                                  vendor.tolist(), exceptions.tolist())
    ]


def _success_rate(s: Series) -> list[Row]:
    successful = s.count("success")
    invocations = successful + s.count(*FAILURES)
    rates = rate_pct(successful, invocations)
    return [
        {"time_bucket": t, "invocations": n, "successful": ok, "success_rate_pct": r}
        for t, n, ok, r in zip(bucket_labels(s.starts), invocations.tolist(), successful.tolist(), rates.tolist())
    ]


def _latency(s: Series, world: World, query: AnalyticsQuery) -> list[Row]:
    invocations = s.count("success", *FAILURES)
    stats = s.latency(query.granularity, world.seed)
    columns = zip(bucket_labels(s.starts), invocations.tolist(), stats.p50.tolist(), stats.p90.tolist(),
                  stats.p95.tolist(), stats.p99.tolist(), stats.avg.tolist(), stats.max.tolist())
    return [
        {"time_bucket": t, "invocations": n, "p50_ms": p50, "p90_ms": p90, "p95_ms": p95, "p99_ms": p99,
         "avg_ms": avg, "max_ms": top}
        for t, n, p50, p90, p95, p99, avg, top in columns
    ]


# A panel needing window latency says which figures it needs (``FigureAsk``) and builds its rows from them: alone
# it asks for them itself; in the dashboard the panels' figures are computed in one pass (``window_figures_of``).
Panel = tuple[list[FigureAsk], Callable[[list[LatencyStats]], list[Row]]]


def _answered(world: World, panel: Panel) -> list[Row]:
    asks, build = panel
    return build(window_figures_of(asks, world.seed))


def _every_row(totals: Totals, window: Window) -> FigureAsk:
    return FigureAsk(totals.days, np.arange(len(totals.leaves)), window)


def _figures(world: World, totals: Totals, stats: LatencyStats) -> dict[str, float]:
    table = world.integrations
    kinds = table.kind[totals.leaves]
    invocations = int(totals.counts.sum())
    failures = int(totals.counts[np.isin(kinds, FAILURES)].sum())
    return {
        "invocations": invocations,
        "failures": failures,
        "success_rate_pct": rate_pct_of(invocations - failures, invocations),
        "avg_latency_ms": float(stats.avg[0]),
        "p95_latency_ms": float(stats.p95[0]),
    }


def _summary(world: World, query: AnalyticsQuery) -> Panel:
    filters = _only(query, *FILTERS)
    windows = (query.window, query.window.previous())
    totals = [_subset(world, window, filters) for window in windows]

    def build(stats: list[LatencyStats]) -> list[Row]:
        current, previous = (_figures(world, t, figures) for t, figures in zip(totals, stats))
        row: Row = {}
        for name in ("invocations", "failures", "success_rate_pct", "avg_latency_ms", "p95_latency_ms"):
            row[f"current_{name}"] = current[name]
            row[f"previous_{name}"] = previous[name]
            row[f"pct_change_{name}"] = pct_change(current[name], previous[name])
        return [row]

    return [_every_row(t, window) for t, window in zip(totals, windows)], build


def summary_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    return _answered(world, _summary(world, query))


def _grouped(world: World, totals: Totals, dim: str, window: Window) -> Panel:
    table = world.integrations
    labels = table.dims[dim][totals.leaves]
    kinds = table.kind[totals.leaves]
    names, group = np.unique(labels, return_inverse=True)
    size = len(names)

    def total(weights: NDArray[np.generic]) -> NDArray[np.float64]:
        return np.bincount(group, weights=weights, minlength=size).astype(np.float64)

    def build(stats: list[LatencyStats]) -> list[Row]:
        invocations = total(totals.counts).astype(np.int64)
        successful = total(np.where(kinds == "success", totals.counts, 0)).astype(np.int64)
        vendor = total(np.where(kinds == "vendor_error", totals.counts, 0)).astype(np.int64)
        exceptions = total(np.where(kinds == "exception", totals.counts, 0)).astype(np.int64)
        rates = rate_pct(successful, invocations)
        rows = [
            {dim: str(name), "invocations": n, "successful": ok, "vendor_errors": v, "exceptions": e,
             "success_rate_pct": r, "p95_latency_ms": p}
            for name, n, ok, v, e, r, p in zip(names.tolist(), invocations.tolist(), successful.tolist(),
                                               vendor.tolist(), exceptions.tolist(), rates.tolist(),
                                               stats[0].p95.tolist())
            if n > 0
        ]
        rows.sort(key=lambda row: (-row["invocations"], row[dim]))
        return rows

    return [FigureAsk(totals.days, np.arange(len(totals.leaves)), window, group, size)], build


def _by_integration(world: World, query: AnalyticsQuery) -> Panel:
    return _grouped(world, _subset(world, query.window, _only(query, "mode", "slug")), "integration_key", query.window)


def _by_mode(world: World, query: AnalyticsQuery) -> Panel:
    return _grouped(world, _subset(world, query.window, _only(query, "integration_key", "slug")), "mode", query.window)


def by_integration_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    return _answered(world, _by_integration(world, query))


def by_mode_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    return _answered(world, _by_mode(world, query))


def error_breakdown_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    totals = _subset(world, query.window, _only(query, *FILTERS))
    table = world.integrations
    failed = np.isin(table.kind[totals.leaves], FAILURES)
    categories = table.dims["error_category"][totals.leaves][failed]
    counts = totals.counts[failed]
    names, group = np.unique(categories, return_inverse=True)
    per_category = np.bincount(group, weights=counts, minlength=len(names)).astype(np.int64)
    all_failures = int(per_category.sum())
    shares = rate_pct(per_category, np.full(len(names), all_failures))
    rows = [
        {"error_category": str(name), "count": n, "share_pct": share}
        for name, n, share in zip(names.tolist(), per_category.tolist(), shares.tolist())
        if n > 0
    ]
    rows.sort(key=lambda row: (-row["count"], row["error_category"]))
    return rows


def dashboard(world: World, query: AnalyticsQuery) -> Row:
    series = _series(world, query)
    panels = {"summary": _summary(world, query), "by_integration": _by_integration(world, query),
              "by_mode": _by_mode(world, query)}
    figures = iter(window_figures_of([ask for asks, _ in panels.values() for ask in asks], world.seed))
    built = {name: build([next(figures) for _ in asks]) for name, (asks, build) in panels.items()}
    return {
        "summary": built["summary"],
        "usage": _usage(series),
        "success_rate": _success_rate(series),
        "latency": _latency(series, world, query),
        "by_integration": built["by_integration"],
        "by_mode": built["by_mode"],
        "error_breakdown": error_breakdown_rows(world, query),
    }
