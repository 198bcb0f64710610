"""Binomial inverse-CDF tables, kept per (n, q) and shared by every draw with that (n, q).

Splitting counts into hours and minutes draws millions of small binomials, and
almost all of them share a handful of success probabilities (the halves of the
hour-of-day shape, level by level) and small counts. Walking the CDF step by
step for each draw (``rng._invert``) spends its time in per-step overhead; the
walk depends only on (n, q), so it is done once per pair, kept, and each draw
becomes a binary search in its pair's table.

The table holds, for k = 0, 1, ..., the very floats the step-by-step walk
computes (``P(0) = (1-q)^n``, ``P(k) = P(k-1) * (n-k+1)/k * q/(1-q)``, the CDF as
their running sum), so a draw finds the same k: the first with ``u <= CDF(k)``,
or where ``P(k)`` is 0, or 400. This is a cache of a pure function of (n, q),
not of any world: it makes no number depend on what was asked before, and it is
bounded (:data:`MAX_FLOATS`; when full it starts again; n up to :data:`TABLE_ROWS`).
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import NDArray

__all__ = ["small_binomial", "MAX_FLOATS", "DRAWS_PER_Q", "TABLE_ROWS"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

MAX_FLOATS = 1_000_000  # 8 MB of tables at most; when full, the cache starts again
TABLE_ROWS = 256  # draws with a larger n are walked (a table's rows are n = 0..N; large n are rare here)
DRAWS_PER_Q = 8  # below this many draws per distinct q, walking each draw is cheaper than tables
_CAP = 400  # as rng._invert: a draw still searching at step 400 stops there

# q (its float64 bits) -> table (rows n = 0..N, columns k), padded with +inf after each row's end.
_tables: dict[int, F64] = {}
_size = 0
_lock = threading.Lock()


def small_binomial(n: I64, q: F64, u: F64) -> I64 | None:
    """For each draw, the first k with ``u <= CDF(k)`` of Binomial(n, q) (or where P(k) is 0, or 400); None when
    the q are too varied for tables to pay (fewer than :data:`DRAWS_PER_Q` draws a q: the caller walks)."""
    q_bits, q_code = np.unique(q.view(np.int64), return_inverse=True)
    if len(q_bits) * DRAWS_PER_Q > len(n):
        return None
    needed = np.zeros(len(q_bits), dtype=np.int64)
    np.maximum.at(needed, q_code, n)
    tables = [_table(bits, rows) for bits, rows in zip(q_bits.tolist(), needed.tolist())]
    widths = np.array([t.shape[1] for t in tables], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum([t.size for t in tables])[:-1])).astype(np.int64)
    flat = np.concatenate([t.ravel() for t in tables])
    width = widths[q_code]
    row_start = offsets[q_code] + n * width
    low, high = row_start, row_start + width - 1  # a row's last entry stops every draw (+inf, or >= 1.0 >= u)
    # Binary search for the first entry >= u in each draw's row (rows never decrease): flat[high] >= u throughout,
    # so a draw whose search is over (low == high) stays put (its middle is low, not below u), and every draw is
    # done after as many halvings as the widest row needs.
    middle = np.empty_like(low)
    below = np.empty(len(u), dtype=bool)
    for _ in range(int(widths.max() - 1).bit_length() if len(widths) else 0):
        np.add(low, high, out=middle)
        np.right_shift(middle, 1, out=middle)
        np.less(flat[middle], u, out=below)
        low = np.where(below, middle + 1, low)
        np.copyto(high, middle, where=~below)
    return low - row_start  # type: ignore[no-any-return]


def _table(q_bits: int, largest_n: int) -> F64:
    """The kept table of this q, (re)built when it does not reach ``largest_n`` yet (then with room to grow)."""
    global _size
    table = _tables.get(q_bits)
    if table is not None and table.shape[0] > largest_n:
        return table
    rows = min(max(largest_n + 1, 2 * (table.shape[0] if table is not None else 16)), TABLE_ROWS + 1)
    table = _build(np.arange(rows, dtype=np.int64), np.full(rows, np.int64(q_bits)).view(np.float64))
    with _lock:
        if _size + table.size > MAX_FLOATS:
            _tables.clear()
            _size = 0
        _size += table.size
        _tables[q_bits] = table
    return table


def _build(n: I64, q: F64) -> F64:
    """Rows of CDF(k) for these (n, q) pairs, +inf where the walk stops regardless of u (P(k) == 0, or k == 400)
    and after each row's end (its first entry that stops every draw: >= 1.0, which no uniform exceeds)."""
    ratio = q / (1.0 - q)
    first = np.exp(n * np.log1p(-q))
    columns: list[tuple[I64, F64]] = [(np.arange(len(n)), first.copy())]
    alive = np.flatnonzero(first < 1.0)
    prob, cdf = first[alive], first[alive]
    n_float, r = np.asarray(n, dtype=np.float64)[alive], ratio[alive]
    k = 0
    while len(alive):
        k += 1
        step = np.float64(k)
        prob = prob * ((n_float - step + 1) / step * r)  # the step rng._invert takes, operation for operation
        cdf = cdf + prob
        value = np.where(prob > 0, cdf, np.inf) if k < _CAP else np.full(len(alive), np.inf)
        columns.append((alive, value))
        going = value < 1.0
        alive, prob, cdf, n_float, r = alive[going], prob[going], cdf[going], n_float[going], r[going]
    grid = np.full((len(n), len(columns)), np.inf)
    for column, (rows, values) in enumerate(columns):
        grid[rows, column] = values
    return grid
