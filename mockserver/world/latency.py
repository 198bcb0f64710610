"""Latency percentiles from additive moments.

A bucket carries, over its events, ``n``, ``s1 = sum E[x]`` and ``s2 = sum E[x^2]``
(``traffic.py``). Those sum exactly across buckets and leaves, so any window or
filter gets its figures from the same three numbers. The bucket's latency
distribution is taken as the log-normal with that mean and second moment
(Fenton-Wilkinson): percentiles then follow from its quantiles, ordered by
construction, and the maximum is the expected largest of ``n`` draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mockserver.world.rng import hash_keys, standard_normal

__all__ = ["LatencyStats", "latency_stats", "sampled", "window_latency"]

F64 = NDArray[np.float64]

# Standard normal quantiles for the reported percentiles.
_Z = {"p50": 0.0, "p90": 1.2815515655446004, "p95": 1.6448536269514722, "p99": 2.3263478740408408}


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Per bucket, milliseconds rounded to 2 decimals; 0 where there were no events."""

    p50: F64
    p90: F64
    p95: F64
    p99: F64
    avg: F64
    max: F64


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

    def quantile(z: float | F64) -> F64:
        return np.where(mean > 0, np.round(np.exp(mu + sigma * z), 2), 0.0)

    avg: F64 = np.round(mean, 2).astype(np.float64)
    single = count <= 1
    # The largest of n draws: with few events the fitted distribution's upper percentiles lie beyond what
    # n events can show, so every percentile is capped by it (and with one event, every figure is that event).
    top = np.maximum(np.where(single, avg, quantile(_expected_max_z(count))), avg).astype(np.float64)
    p50, p90, p95, p99 = (np.where(single, avg, np.minimum(quantile(z), top)) for z in _Z.values())
    return LatencyStats(p50, p90, p95, p99, avg, top)


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

    def scaled(values: F64) -> F64:
        return np.round(values * factor, 2)

    # The average is not wobbled: it is the bucket's latency sum over its count, so a coarser bucket's average is
    # exactly the count-weighted mean of its parts' (within rounding); the maximum is never below it.
    return LatencyStats(scaled(stats.p50), scaled(stats.p90), scaled(stats.p95), scaled(stats.p99),
                        stats.avg, np.maximum(scaled(stats.max), stats.avg))
