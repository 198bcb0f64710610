"""Per-event distributions that rows summarise: log-normal durations and geometric counts.

A session's resolution time, its first-response time and its number of turns
depend only on its leaf (channel, priority, status, outcome). A group of
sessions is then a *mixture* of its leaves' distributions, weighted by their
counts in the window; its quantiles come from that mixture exactly (by
bisection on the mixture's CDF), so a group's percentile always lies between
its members' and percentiles are ordered by construction.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["lognormal_mean", "lognormal_mixture_quantile", "geometric_mixture", "apportion", "normal_cdf"]

F64 = NDArray[np.float64]


def lognormal_mean(median: F64, sigma: F64) -> F64:
    return np.asarray(median * np.exp(sigma * sigma / 2.0), dtype=np.float64)


_ERF = np.vectorize(math.erf, otypes=[np.float64])


def normal_cdf(z: F64) -> F64:
    """The standard normal CDF, elementwise (any shape, empty included)."""
    return np.asarray(0.5 * (1.0 + _ERF(np.asarray(z, dtype=np.float64) / math.sqrt(2.0))), dtype=np.float64)


def lognormal_mixture_quantile(weights: Sequence[float], medians: Sequence[float], sigmas: Sequence[float],
                               q: float) -> float:
    """The ``q`` quantile of a count-weighted mixture of log-normals (0 when every weight is 0)."""
    w = np.asarray(weights, dtype=np.float64)
    keep = w > 0
    if not keep.any():
        return 0.0
    w, mu, sigma = w[keep] / w[keep].sum(), np.log(np.asarray(medians)[keep]), np.asarray(sigmas)[keep]
    low, high = float((mu - 8 * sigma).min()), float((mu + 8 * sigma).max())
    for _ in range(60):  # bisection in log space: 60 halvings are far below a hundredth of a second
        middle = (low + high) / 2.0
        if float((w * normal_cdf((middle - mu) / sigma)).sum()) < q:
            low = middle
        else:
            high = middle
    return math.exp((low + high) / 2.0)


def geometric_mixture(weights: Sequence[float], means: Sequence[float], upto: int = 400) -> F64:
    """P(K = k) for k = 1..upto of a count-weighted mixture of geometrics on {1, 2, ...} with these means;
    the last entry carries the remaining tail, so the result sums to 1."""
    w = np.asarray(weights, dtype=np.float64)
    if w.sum() <= 0:
        return np.zeros(upto)
    p = 1.0 / np.maximum(np.asarray(means, dtype=np.float64), 1.0)
    k = np.arange(1, upto + 1)
    pmf = (w[:, None] / w.sum()) * p[:, None] * (1.0 - p[:, None]) ** (k[None, :] - 1)
    mixture = pmf.sum(axis=0)
    mixture[-1] += max(0.0, 1.0 - float(mixture.sum()))
    return np.asarray(mixture, dtype=np.float64)


def apportion(total: int, shares: F64) -> list[int]:
    """Whole counts proportional to ``shares`` that add up to ``total`` exactly (largest remainder, ties to
    the earlier share)."""
    if total <= 0 or shares.sum() <= 0:
        return [0] * len(shares)
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    remainder = exact - counts
    order = sorted(range(len(shares)), key=lambda i: (-remainder[i], i))
    for i in order[: total - int(counts.sum())]:
        counts[i] += 1
    return [int(c) for c in counts]
