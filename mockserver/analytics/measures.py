"""The world's figures for one query, reduced to what the rows need.

Two shapes cover every analytics row: a *timeseries* (per bucket, summed over
the selected leaves) and *window totals* (per leaf, summed over the window).
Window totals are always computed from day buckets, whatever granularity the
request names, so that every endpoint sees the same numbers for the same window
and filters, to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mockserver.analytics.query import FIRST_DAY
from mockserver.world.calendar import Granularity, Window
from mockserver.world.leaves import LeafTable
from mockserver.world.traffic import BucketSeries, WorldParams, series, to_weeks

__all__ = ["Series", "Totals", "timeseries", "summarize", "totals_of", "window_totals", "rate_pct", "pct_change"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Series:
    """Per bucket, summed over the selected leaves, split by outcome kind."""

    starts: I64
    by_kind: dict[str, I64]  # outcome kind -> counts per bucket
    s1: F64  # latency moments per bucket (all events)
    s2: F64

    def count(self, *kinds: str) -> I64:
        total = np.zeros(len(self.starts), dtype=np.int64)
        for kind in kinds:
            if kind in self.by_kind:
                total = total + self.by_kind[kind]
        return total


@dataclass(frozen=True, slots=True)
class Totals:
    """Per selected leaf, summed over the window."""

    leaves: I64
    counts: I64
    s1: F64
    s2: F64


def _kinds(table: LeafTable, leaves: I64) -> list[str]:
    return sorted(set(table.kind[leaves].tolist()))


def _sum_leaves(table: LeafTable, leaves: I64, buckets: BucketSeries, rows: I64) -> Series:
    kinds = table.kind[leaves]
    counts, m1, m2 = buckets.counts[rows], buckets.m1[rows], buckets.m2[rows]
    by_kind = {kind: counts[kinds == kind].sum(axis=0) for kind in _kinds(table, leaves)}
    return Series(buckets.starts, by_kind, m1.sum(axis=0), m2.sum(axis=0))


def timeseries(table: LeafTable, leaves: I64, window: Window, granularity: Granularity, world: WorldParams,
               *, with_latency: bool) -> Series:
    """Leaves are summed by outcome kind while the series is drawn: a month at ``minute`` never
    materialises a leaves x minutes table."""
    kinds = _kinds(table, leaves)
    kind_of = np.searchsorted(np.array(kinds), table.kind[leaves])
    buckets = series(table, leaves, window, granularity, world, with_latency=with_latency, combine=kind_of,
                     groups=len(kinds))
    by_kind = {kind: buckets.counts[i] for i, kind in enumerate(kinds)}
    zeros = np.zeros(len(buckets.starts))
    s1, s2 = (buckets.m1.sum(axis=0), buckets.m2.sum(axis=0)) if with_latency else (zeros, zeros)
    return Series(buckets.starts, by_kind, s1, s2)


def summarize(table: LeafTable, leaves: I64, every_leaf_days: BucketSeries, granularity: Granularity) -> Series:
    """A day or week series of some leaves, cut from the day cells of every leaf (row i = leaf i)."""
    buckets = every_leaf_days if granularity is Granularity.DAY else to_weeks(every_leaf_days)
    return _sum_leaves(table, leaves, buckets, leaves)


def totals_of(days: BucketSeries) -> Totals:
    return Totals(days.leaves, days.counts.sum(axis=1), days.m1.sum(axis=1), days.m2.sum(axis=1))


def window_totals(table: LeafTable, leaves: I64, window: Window, world: WorldParams) -> Totals:
    if window.first_day < FIRST_DAY or not len(leaves):
        zeros = np.zeros(len(leaves))
        return Totals(leaves, zeros.astype(np.int64), zeros, zeros)
    return totals_of(series(table, leaves, window, Granularity.DAY, world, with_latency=True))


def rate_pct(part: NDArray[np.int64], whole: NDArray[np.int64]) -> F64:
    """Percentage rounded to 2 decimals; 0.0 where the denominator is 0."""
    part_f = np.asarray(part, dtype=np.float64)
    whole_f = np.asarray(whole, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole_f > 0, np.round(100.0 * part_f / np.where(whole_f > 0, whole_f, 1.0), 2), 0.0)


def pct_change(current: float, previous: float) -> float | None:
    """``100 * (current - previous) / previous``, rounded to 2 decimals; None when previous is 0."""
    if previous == 0:
        return None
    return round(100.0 * (current - previous) / previous, 2)
