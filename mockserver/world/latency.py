"""Latency percentiles from additive moments, rolled up across granularities.

A bucket carries, over its events, ``n``, ``s1 = sum E[x]`` and ``s2 = sum E[x^2]``
(``traffic.py``), plus the largest and smallest expected latency of any of its
events (``hi``, ``lo``). The sums add exactly across buckets and leaves; ``hi``
and ``lo`` roll up by max and min. A bucket's latency distribution is taken as
the log-normal with that mean and second moment (Fenton-Wilkinson): percentiles
follow from its quantiles, and the maximum is the expected largest of ``n`` draws.

Roll-up (issue 17): the day is the anchor. A day's figures are its own fitted
ones times a sampling wobble (``day_figures``). Weeks and whole windows are
spans of days: their fitted figures clamped into the range of their days', their
maximum the largest day's (``span_figures``), so a mixture's quantile lies
between its parts' as a real one does. Hours are derived top-down from their
day, minutes from their hour (``top_down``): each child scales its parent's
percentiles by a factor centred over the parent's children, so some child is at
or above the parent and some at or below, and the child with the largest
maximum takes the parent's. So a coarser bucket's average is its parts'
count-weighted mean, its maximum the largest of theirs, and each percentile lies
between the smallest and largest of its parts', at every level where the parent
has a part with two events or more (docs/world.md says where that leaves a gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mockserver.world.rng import hash_keys, standard_normal

__all__ = ["LatencyStats", "Moments", "latency_stats", "sampled", "window_latency", "day_figures", "span_figures",
           "top_down", "figures_at"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

# Standard normal quantiles for the reported percentiles.
_Z = {"p50": 0.0, "p90": 1.2815515655446004, "p95": 1.6448536269514722, "p99": 2.3263478740408408}
_PERCENTILE_Z = np.array(list(_Z.values()))


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Per bucket, milliseconds rounded to 2 decimals; 0 where there were no events.

    The four percentiles are one stacked array (p50, p90, p95, p99 on the first axis), so every step computes
    them in one numpy call each: the arrays are small (a window's few groups, a series' buckets) and the cost of a
    step is the number of calls, not their size. Each value is the same elementwise computation either way.
    """

    percentiles: F64  # (4, *shape)
    avg: F64
    max: F64

    @property
    def p50(self) -> F64:
        return self.percentiles[0]

    @property
    def p90(self) -> F64:
        return self.percentiles[1]

    @property
    def p95(self) -> F64:
        return self.percentiles[2]

    @property
    def p99(self) -> F64:
        return self.percentiles[3]

    def map(self, change: Any) -> LatencyStats:
        """The same figures with ``change`` applied to each (a reshape, a cut)."""
        return LatencyStats(np.stack([change(p) for p in self.percentiles]), change(self.avg), change(self.max))


@dataclass(frozen=True, slots=True)
class Moments:
    """Per bucket (any array shape): events, latency sums, slowest and fastest event's expected latency.

    ``hi`` and ``lo`` are 0 where ``n`` is 0.
    """

    n: I64
    s1: F64
    s2: F64
    hi: F64
    lo: F64

    def grouped(self, width: int) -> Moments:
        """Consecutive runs of ``width`` buckets (last axis) folded into one: hours into days, minutes into hours."""
        def fold(values: Any) -> Any:
            return values.reshape(*values.shape[:-1], -1, width)

        n = fold(self.n)
        total = n.sum(axis=-1)
        lo = np.where(n > 0, fold(self.lo), np.inf).min(axis=-1)
        return Moments(total, fold(self.s1).sum(axis=-1), fold(self.s2).sum(axis=-1), fold(self.hi).max(axis=-1),
                       np.where(total > 0, lo, 0.0))


def _expected_max_z(n: F64) -> F64:
    """Expected maximum of ``n`` standard normals (asymptotic; 0 for a single draw)."""
    n = np.maximum(n, 2.0)
    a = np.sqrt(2.0 * np.log(n))
    return a - (np.log(np.log(n)) + np.log(4.0 * np.pi)) / (2.0 * a)


def latency_stats(n: NDArray[np.int64], s1: F64, s2: F64) -> LatencyStats:
    count = np.asarray(n, dtype=np.float64)
    has = count > 0
    safe = np.where(has, count, 1.0)
    mean = np.where(has, s1 / safe, 0.0)
    second = np.where(has, s2 / safe, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mean > 0, second / np.where(mean > 0, mean * mean, 1.0), 1.0)
    variance_log = np.log(np.maximum(ratio, 1.0))
    sigma = np.sqrt(variance_log)
    mu = np.log(np.where(mean > 0, mean, 1.0)) - variance_log / 2.0

    # The quantiles at the largest of n draws' z and at the four percentiles' z, stacked on a first axis.
    z = np.empty((5, *count.shape))
    z[0] = _expected_max_z(count)
    z[1:] = _PERCENTILE_Z.reshape(4, *(1,) * count.ndim)
    quantiles = np.where(mean > 0, np.round(np.exp(mu + sigma * z), 2), 0.0)
    avg: F64 = np.round(mean, 2).astype(np.float64)
    single = count <= 1
    # The largest of n draws: with few events the fitted distribution's upper percentiles lie beyond what
    # n events can show, so every percentile is capped by it (and with one event, every figure is that event).
    top = np.maximum(np.where(single, avg, quantiles[0]), avg).astype(np.float64)
    return LatencyStats(np.where(single, avg, np.minimum(quantiles[1:], top)), avg, top)


def window_latency(n: NDArray[np.int64], s1: F64, s2: F64, seed: int, first_day: int, days: int) -> LatencyStats:
    """A whole window's figures, with the sampling wobble of a bucket that spans exactly that window.

    So a summary, a grouped row and the one bucket of a timeseries that covers the same
    window (a day, a Monday-to-Sunday week) report the same latency.
    """
    starts = np.full(len(n), first_day * 86400, dtype=np.int64)
    return sampled(latency_stats(n, s1, s2), seed, starts, days * 86400, n)


_SAMPLING = 7  # stream id of the per-bucket sampling noise


def sampled(stats: LatencyStats, seed: int, starts: NDArray[np.int64], width_seconds: int, n: NDArray[np.int64]) -> LatencyStats:
    """What one bucket's measured latencies look like: the fitted percentiles times a sampling wobble.

    The wobble is keyed by (seed, bucket start, bucket width) only, so it is the
    same for every filter (a slow minute is slow for everyone, like shared
    infrastructure) and every window; smaller buckets wobble more. One factor
    per bucket keeps the percentiles ordered.
    """
    count = np.asarray(n, dtype=np.float64)
    sigma = np.minimum(0.35, 0.04 + 0.6 / np.sqrt(count + 1.0))
    z = standard_normal(hash_keys(seed, _SAMPLING, width_seconds, starts))
    # One event is what it is: no wobble, every figure is that event.
    factor = np.where(count <= 1, 1.0, np.exp(sigma * z - sigma * sigma / 2.0))

    # The average is not wobbled: it is the bucket's latency sum over its count, so a coarser bucket's average is
    # exactly the count-weighted mean of its parts' (within rounding); the maximum is never below it.
    return LatencyStats(np.round(stats.percentiles * factor, 2), stats.avg,
                        np.maximum(np.round(stats.max * factor, 2), stats.avg))


# A day with at most this many events may have no hour with two: its figures stay between its fastest and slowest
# event's expected latency (and its maximum is the slowest), which is what its one-event hours report.
_SMALL_DAY = 24


def day_figures(days: Moments, seed: int, starts: I64) -> LatencyStats:
    """The anchor: each day's fitted figures with its sampling wobble (``starts``: the days' starts, last axis)."""
    raw = sampled(latency_stats(days.n, days.s1, days.s2), seed, starts, 86400, days.n)
    hi, lo = np.round(days.hi, 2), np.round(days.lo, 2)
    small = (days.n >= 2) & (days.n <= _SMALL_DAY)

    # The day's maximum is never below its slowest event's expected latency: an hour holding that event alone
    # reports it.
    top = np.where(small, hi, np.where(days.n >= 2, np.maximum(raw.max, hi), raw.max))
    return LatencyStats(np.where(small, np.clip(raw.percentiles, lo, hi), raw.percentiles), raw.avg, top)


def span_figures(days: Moments, day_stats: LatencyStats, seed: int, starts: I64, width_seconds: int,
                 first: I64 | None = None) -> LatencyStats:
    """Runs of whole days (week buckets, a request's window): per run, its own fitted figures and wobble, each
    percentile clamped between its days' smallest and largest, its maximum the largest day's.

    Runs are consecutive along the last axis, run ``k`` beginning at day index ``first[k]`` (one run of every
    day when ``first`` is None) and starting at ``starts[k]`` seconds.
    """
    bounds = np.zeros(1, dtype=np.int64) if first is None else np.asarray(first, dtype=np.int64)
    has = days.n > 0

    def total(values: Any) -> Any:
        return np.add.reduceat(values, bounds, axis=-1)

    def extreme(values: F64, ufunc: np.ufunc, empty: float) -> F64:
        return ufunc.reduceat(np.where(has, values, empty), bounds, axis=-1)

    n = total(days.n)
    raw = sampled(latency_stats(n, total(days.s1), total(days.s2)), seed, np.asarray(starts, dtype=np.int64),
                  width_seconds, n)

    per_day = day_stats.percentiles  # (4, ..., days): the runs' extremes of all four in one reduction each
    low, high = extreme(per_day, np.minimum, np.inf), extreme(per_day, np.maximum, -np.inf)
    clamped = np.where(n > 0, np.clip(raw.percentiles, np.minimum(low, high), np.maximum(high, 0.0)), 0.0)
    return LatencyStats(clamped, raw.avg, np.maximum(extreme(day_stats.max, np.maximum, 0.0), 0.0))


def top_down(children: Moments, parent: LatencyStats, seed: int, starts: I64, width_seconds: int) -> LatencyStats:
    """Children (parents x K: a day's 24 hours, an hour's 60 minutes) from their parent's figures.

    A child with one event reports that event everywhere. A child with more scales its parent's percentiles
    by ``g``: its average relative to the parent's times a sampling wobble, centred (mid-range, in logs) over the
    parent's children with two events or more, so that some ``g`` is >= 1 and some <= 1 and the parent lies
    within its children. Its maximum is its own fitted one (wobbled), kept between its slowest event and the
    parent's maximum, and the child with the largest takes the parent's maximum exactly.
    """
    n = children.n
    own = latency_stats(n, children.s1, children.s2)
    count = n.astype(np.float64)
    multi = n >= 2
    sigma = np.minimum(0.35, 0.04 + 0.6 / np.sqrt(count + 1.0))
    z = standard_normal(hash_keys(seed, _SAMPLING, width_seconds, starts))
    parent_avg = parent.avg[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(multi & (parent_avg > 0) & (own.avg > 0), np.log(own.avg / parent_avg), 0.0) + sigma * z
    high = np.where(multi, c, -np.inf).max(axis=-1, keepdims=True)
    low = np.where(multi, c, np.inf).min(axis=-1, keepdims=True)
    centre = np.where(np.isfinite(high), (np.where(np.isfinite(high), high, 0.0) + np.where(np.isfinite(low), low, 0.0))
                      / 2.0, 0.0)
    g = np.exp(c - centre)
    ceiling = parent.max[..., None]
    hi = np.round(children.hi, 2)
    wobbled_max = own.max * np.exp(sigma * z - sigma * sigma / 2.0)
    top = np.maximum.reduce([np.minimum(wobbled_max, ceiling), hi,
                             np.minimum(np.round(parent.p99[..., None] * g, 2), ceiling)])
    top = np.round(top, 2)
    # The child with the largest maximum (two events or more) takes the parent's: the parent's slowest event
    # happened somewhere.
    candidates = np.where(multi, top, -np.inf)
    first_largest = np.argmax(candidates, axis=-1)[..., None]
    takes = (np.arange(n.shape[-1]) == first_largest) & multi
    top = np.where(takes, ceiling, top)

    alone = np.where(n == 1, own.avg, 0.0)
    scaled = np.where(multi, np.minimum(np.round(parent.percentiles[..., None] * g, 2), top), alone)
    return LatencyStats(scaled, own.avg, np.where(multi, top, alone))


def figures_at(buckets: Moments, granularity_seconds: int, seed: int, starts: I64,
               day_parts: Moments | None = None, day_starts: I64 | None = None) -> LatencyStats:
    """A timeseries' figures (last axis = buckets, whole days of them), rolled up as the module says.

    Minute and hour buckets fold into their days here; a week series passes its days as ``day_parts``
    (``day_starts``), each bucket being the span of those days whose start falls in it.
    """
    if granularity_seconds == 86400:
        return day_figures(buckets, seed, starts)
    if granularity_seconds == 3600:
        lead = buckets.n.shape[:-1]
        hours = _reshaped(buckets, (*lead, -1, 24))
        day = day_figures(buckets.grouped(24), seed, starts.reshape(-1, 24)[:, 0])
        return _flat(top_down(hours, day, seed, starts.reshape(-1, 24), 3600), buckets.n.shape)
    if granularity_seconds == 60:
        hours = buckets.grouped(60)
        hour_stats = figures_at(hours, 3600, seed, starts.reshape(-1, 60)[:, 0])
        minutes = _reshaped(buckets, (*buckets.n.shape[:-1], -1, 60))
        return _flat(top_down(minutes, hour_stats, seed, starts.reshape(-1, 60), 60), buckets.n.shape)
    assert day_parts is not None and day_starts is not None, "a week series needs its days"
    first = np.searchsorted(day_starts, starts)  # each week's first day among the series' days
    return span_figures(day_parts, day_figures(day_parts, seed, day_starts), seed, starts, granularity_seconds, first)


def _reshaped(m: Moments, shape: tuple[int, ...]) -> Moments:
    return Moments(m.n.reshape(shape), m.s1.reshape(shape), m.s2.reshape(shape), m.hi.reshape(shape),
                   m.lo.reshape(shape))


def _flat(stats: LatencyStats, shape: tuple[int, ...]) -> LatencyStats:
    return stats.map(lambda values: np.asarray(values).reshape(shape))
