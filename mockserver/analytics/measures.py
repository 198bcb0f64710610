"""The world's figures for one query, reduced to what the rows need.

Two shapes cover every analytics row: a *timeseries* (per bucket, summed over
the selected leaves) and *window totals* (per leaf, summed over the window).
Window totals are always computed from day buckets, whatever granularity the
request names, so that every endpoint sees the same numbers for the same window
and filters, to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from mockserver.analytics.query import FIRST_DAY
from mockserver.world.calendar import Granularity, Window, week_starts
from mockserver.world.latency import LatencyStats, Moments, day_figures, figures_at, span_figures
from mockserver.world.leaves import LeafTable
from mockserver.world.traffic import BucketSeries, Keeper, WorldParams, day_cells, series

__all__ = ["Series", "Totals", "timeseries", "summarize", "totals_of", "kept_totals", "window_totals", "rate_pct", "pct_change",
           "window_figures", "window_figures_of", "FigureAsk", "day_moments"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Series:
    """Per bucket, summed over the selected leaves, split by outcome kind."""

    starts: I64
    by_kind: dict[str, I64]  # outcome kind -> counts per bucket
    s1: F64  # latency moments per bucket (all events)
    s2: F64
    hi: F64  # slowest and fastest event's expected latency per bucket (0: no events)
    lo: F64
    days: Series | None = None  # a week series' day buckets, which its latency figures roll up from

    def count(self, *kinds: str) -> I64:
        total = np.zeros(len(self.starts), dtype=np.int64)
        for kind in kinds:
            if kind in self.by_kind:
                total = total + self.by_kind[kind]
        return total

    def moments(self) -> Moments:
        return Moments(self.count(*self.by_kind), self.s1, self.s2, self.hi, self.lo)

    def latency(self, granularity: Granularity, seed: int) -> LatencyStats:
        """Per bucket, rolled up across granularities (``world/latency.py``)."""
        if granularity is Granularity.WEEK:
            assert self.days is not None, "a week series carries its days"
            return figures_at(self.moments(), granularity.seconds, seed, self.starts, self.days.moments(),
                              self.days.starts)
        return figures_at(self.moments(), granularity.seconds, seed, self.starts)


@dataclass(frozen=True, slots=True)
class Totals:
    """Per selected leaf, summed over the window."""

    leaves: I64
    counts: I64
    s1: F64
    s2: F64
    days: BucketSeries | None = None  # the same leaves' day cells (rows in ``leaves`` order), for latency figures


def _kinds(table: LeafTable, leaves: I64) -> list[str]:
    return sorted(set(table.kind[leaves].tolist()))


def _sum_leaves(table: LeafTable, leaves: I64, buckets: BucketSeries, rows: I64) -> Series:
    kinds = table.kind[leaves]
    counts, m1, m2 = buckets.counts[rows], buckets.m1[rows], buckets.m2[rows]
    by_kind = {kind: counts[kinds == kind].sum(axis=0) for kind in _kinds(table, leaves)}
    hi, lo = _extremes(counts, buckets.hi[rows], buckets.lo[rows])
    return Series(buckets.starts, by_kind, m1.sum(axis=0), m2.sum(axis=0), hi, lo)


def _extremes(counts: I64, hi: F64, lo: F64) -> tuple[F64, F64]:
    """Over rows (axis 0): the largest ``hi`` and the smallest ``lo`` of rows with events."""
    has = counts > 0
    top = np.where(has, hi, 0.0).max(axis=0, initial=0.0)
    bottom = np.where(has, lo, np.inf).min(axis=0, initial=np.inf)
    return top, np.where(np.isfinite(bottom), bottom, 0.0)


def timeseries(table: LeafTable, leaves: I64, window: Window, granularity: Granularity, world: WorldParams,
               *, with_latency: bool, keeper: Keeper | None = None) -> Series:
    """Leaves are summed by outcome kind while the series is drawn: a month at ``minute`` never
    materialises a leaves x minutes table."""
    if granularity is Granularity.WEEK and with_latency:
        days = timeseries(table, leaves, window, Granularity.DAY, world, with_latency=True, keeper=keeper)
        return _weeks_of(days)
    kinds = _kinds(table, leaves)
    kind_of = np.searchsorted(np.array(kinds), table.kind[leaves])
    buckets = series(table, leaves, window, granularity, world, with_latency=with_latency, combine=kind_of,
                     groups=len(kinds), keeper=keeper)
    by_kind = {kind: buckets.counts[i] for i, kind in enumerate(kinds)}
    zeros = np.zeros(len(buckets.starts))
    if not with_latency:
        return Series(buckets.starts, by_kind, zeros, zeros, zeros, zeros)
    hi, lo = _extremes(buckets.counts, buckets.hi, buckets.lo)
    return Series(buckets.starts, by_kind, buckets.m1.sum(axis=0), buckets.m2.sum(axis=0), hi, lo)


def _weeks_of(days: Series) -> Series:
    """Week buckets (Monday starts) of a day series, keeping the days for the latency figures."""
    starts, first = np.unique(week_starts(days.starts // 86400), return_index=True)
    if not len(first):
        return replace(days, days=days)

    def total(values: Any) -> Any:
        return np.add.reduceat(values, first)

    has = days.count(*days.by_kind) > 0
    lo = np.minimum.reduceat(np.where(has, days.lo, np.inf), first)
    return Series(starts * 86400, {kind: total(v) for kind, v in days.by_kind.items()}, total(days.s1),
                  total(days.s2), np.maximum.reduceat(days.hi, first), np.where(np.isfinite(lo), lo, 0.0), days)


def summarize(table: LeafTable, leaves: I64, every_leaf_days: BucketSeries, granularity: Granularity) -> Series:
    """A day or week series of some leaves, cut from the day cells of every leaf (row i = leaf i)."""
    days = _sum_leaves(table, leaves, every_leaf_days, leaves)
    return days if granularity is Granularity.DAY else _weeks_of(days)


def totals_of(days: BucketSeries) -> Totals:
    return Totals(days.leaves, days.counts.sum(axis=1), days.m1.sum(axis=1), days.m2.sum(axis=1), days)


def kept_totals(table: LeafTable, window: Window, world: WorldParams, keeper: Keeper, name: str) -> Totals:
    """Every leaf's totals over the window (row i = leaf i), with the window's day cells for latency figures,
    kept briefly under ``(name, window)`` (``Keeper.briefly``): for the panels of a dashboard, the groups of one
    operation and the next requests of a dashboard page. Kept in the memo, they were a second copy of the runs per
    window (130 KB for 30 days), and requests over windows that never recur filled it with them, evicting the
    very runs every window is cut from."""
    return keeper.briefly((name, window), lambda: totals_of(day_cells(table, window, world, True, keeper)))


def window_totals(table: LeafTable, leaves: I64, window: Window, world: WorldParams, *,
                  with_latency: bool = True, keeper: Keeper | None = None) -> Totals:
    """Per-leaf totals from day cells; without latency (sessions have none) the moments are zeros and the
    latency-touched hours are not split."""
    if window.first_day < FIRST_DAY or not len(leaves):
        zeros = np.zeros(len(leaves))
        return Totals(leaves, zeros.astype(np.int64), zeros, zeros)
    return totals_of(series(table, leaves, window, Granularity.DAY, world, with_latency=with_latency, keeper=keeper))


def day_moments(days: BucketSeries | None, rows: I64, group: I64 | None = None, groups: int = 1) -> Moments:
    """The day cells of some rows of ``days``, summed per group (``group[i]`` is ``rows[i]``'s; all one group
    when None): (groups, days)."""
    if days is None:
        empty = np.zeros((groups, 0))
        return Moments(empty.astype(np.int64), empty, empty, empty, empty)
    counts, hi, lo = days.counts[rows], days.hi[rows], days.lo[rows]
    if group is None:
        top, bottom = _extremes(counts, hi, lo)
        return Moments(counts.sum(axis=0)[None, :], days.m1[rows].sum(axis=0)[None, :],
                       days.m2[rows].sum(axis=0)[None, :], top[None, :], bottom[None, :])
    n = np.zeros((groups, counts.shape[1]), dtype=np.int64)
    m1, m2 = np.zeros((groups, counts.shape[1])), np.zeros((groups, counts.shape[1]))
    top, bottom = np.zeros(n.shape), np.zeros(n.shape)
    for g in range(groups):
        mine = np.flatnonzero(group == g)
        if not len(mine):
            continue
        n[g] = counts[mine].sum(axis=0)
        # Running sums in row order: the same floats on every machine (a matrix product's order is the BLAS
        # kernel's, which differs between CPUs).
        m1[g] = np.add.accumulate(days.m1[rows[mine]], axis=0)[-1]
        m2[g] = np.add.accumulate(days.m2[rows[mine]], axis=0)[-1]
        top[g], bottom[g] = _extremes(counts[mine], hi[mine], lo[mine])
    return Moments(n, m1, m2, top, bottom)


@dataclass(frozen=True, slots=True)
class FigureAsk:
    """The latency over a whole window of some rows of that window's day cells, per group (``group[i]`` is row
    i's; all one group when None): what a summary or a grouped panel needs (see :func:`window_figures_of`)."""

    days: BucketSeries | None
    rows: I64
    window: Window
    group: I64 | None = None
    groups: int = 1


def window_figures(days: BucketSeries | None, rows: I64, seed: int, window: Window, group: I64 | None = None,
                   groups: int = 1) -> LatencyStats:
    """Latency over a whole window, per group of rows: the span of its days (``world/latency.py``), so a
    one-day window equals that day's bucket and a Monday-to-Sunday window that week's."""
    return window_figures_of([FigureAsk(days, rows, window, group, groups)], seed)[0]


def window_figures_of(asks: Sequence[FigureAsk], seed: int) -> list[LatencyStats]:
    """:func:`window_figures` of every ask, computed together.

    Each ask's moments are summed as it alone would sum them; then the asks over one window are stacked and go
    through the roll-up in one pass (each figure is an elementwise function of its row and its days' starts, so
    it is the same float either way; the days' sampling wobble is drawn once for all of them). A dashboard's
    panels over its window (summary, by integration, by mode) thus pay the roll-up's few dozen numpy calls once
    instead of once each.
    """
    moments = [day_moments(ask.days, ask.rows, ask.group, ask.groups) for ask in asks]
    results: list[LatencyStats] = []
    by_window: dict[Window, list[int]] = {}
    for i, (ask, m) in enumerate(zip(asks, moments)):
        zero = np.zeros(ask.groups)
        results.append(LatencyStats(np.zeros((4, ask.groups)), zero, zero))
        if ask.days is not None and m.n.shape[1]:
            by_window.setdefault(ask.window, []).append(i)
    for window, members in by_window.items():
        sizes = [moments[i].n.shape[0] for i in members]
        stacked = Moments(*(np.concatenate([getattr(moments[i], name) for i in members])
                            for name in ("n", "s1", "s2", "hi", "lo")))
        day_starts = asks[members[0]].days.starts  # type: ignore[union-attr]
        span = span_figures(stacked, day_figures(stacked, seed, day_starts), seed,
                            np.array([window.first_day * 86400]), window.days * 86400)
        first = 0
        for i, size in zip(members, sizes):
            results[i] = span.map(lambda values, a=first, b=first + size: values[a:b, 0])
            first += size
    return results


def rate_pct(part: NDArray[np.int64], whole: NDArray[np.int64]) -> F64:
    """Percentage rounded to 2 decimals; 0.0 where the denominator is 0."""
    part_f = np.asarray(part, dtype=np.float64)
    whole_f = np.asarray(whole, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole_f > 0, np.round(100.0 * part_f / np.where(whole_f > 0, whole_f, 1.0), 2), 0.0)


def rate_pct_of(part: int, whole: int) -> float:
    """``rate_pct`` of one pair in Python floats: the same operations numpy does (``100 * part / whole``, then
    ``np.round(x, 2)``, which is ``rint(x * 100) / 100``; Python's ``round`` of a float to an integer is the same
    round-half-even), so the same float, without building arrays for one number (checked against ``rate_pct``
    in ``tests/test_rates.py``)."""
    if whole <= 0:
        return 0.0
    return round(100.0 * part / whole * 100.0) / 100.0


def pct_change(current: float, previous: float) -> float | None:
    """``100 * (current - previous) / previous``, rounded to 2 decimals; None when previous is 0."""
    if previous == 0:
        return None
    return round(100.0 * (current - previous) / previous, 2)
