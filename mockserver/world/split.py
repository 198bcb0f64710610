"""Splitting counts into sub-periods, exactly and window-stably.

Given a day's count, its hours are a multinomial draw with probabilities
proportional to the hours' rates: that is what independent hourly Poisson counts
look like once their total is known. It is drawn as a binary tree of binomial
splits (24 hours: five levels), each split keyed by its coordinates, so an hour's
count is the same whichever window asked for it, and the hours sum to the day.
Minutes are split the same way, event by event, which is cheaper for their small
counts.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from mockserver.world.rng import binomial, hash_keys

__all__ = ["split_tree", "split_where_uneven", "place_events", "scatter_events"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
U64 = NDArray[np.uint64]


@lru_cache(maxsize=8)
def _levels(parts: int) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """(start, mid, end) of every segment split at each level of the tree."""
    levels = []
    segments = [(0, parts)]
    while any(end - start > 1 for start, end in segments):
        splits, following = [], []
        for start, end in segments:
            if end - start > 1:
                mid = (start + end) // 2
                splits.append((start, mid, end))
                following += [(start, mid), (mid, end)]
            else:
                following.append((start, end))
        levels.append(tuple(splits))
        segments = following
    return tuple(levels)


def split_tree(totals: I64, weights: F64, keys: U64) -> I64:
    """Split each ``totals[i]`` into ``weights.shape[1]`` parts proportional to ``weights[i]``."""
    rows, parts = weights.shape
    cumulative = np.zeros((rows, parts + 1))
    np.cumsum(weights, axis=1, out=cumulative[:, 1:])
    counts = np.zeros((rows, parts + 1), dtype=np.int64)  # counts[:, start] holds a segment's total
    counts[:, 0] = totals
    for level, splits in enumerate(_levels(parts)):
        start = np.array([s for s, _, _ in splits])
        mid = np.array([m for _, m, _ in splits])
        end = np.array([e for _, _, e in splits])
        segment_total = counts[:, start]
        # Only segments holding events are drawn (a split of nothing is nothing): with a few events a day most
        # deep segments are empty. Each draw is keyed by its own coordinates, so skipping others changes none.
        row, split = np.nonzero(segment_total)
        first = cumulative[row, start[split]]
        whole = cumulative[row, end[split]] - first
        left = cumulative[row, mid[split]] - first
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(whole > 0, left / whole, 0.5)
        drawn = np.zeros(segment_total.shape, dtype=np.int64)
        drawn[row, split] = binomial(segment_total[row, split], p, hash_keys(keys[row], level, start[split]))
        counts[:, mid] = segment_total - drawn
        counts[:, start] = drawn
    return counts[:, :parts]


def split_where_uneven(totals: I64, weights: F64, keys: U64, values: F64) -> I64:
    """``split_tree``, descending only into segments over which ``values`` (per row and part) changes.

    Returns, per row, each part's count where the tree was followed to it, and for a segment left whole
    (``values`` equal across it) its total at its first part and 0 elsewhere in it: enough to total
    ``count x value`` per row, or find the parts with events and their values, at a fraction of the draws
    when values change in few places (a bad hour, an incident's afternoon). The counts drawn are the very
    ones ``split_tree`` draws (the same keys, levels and segment totals).
    """
    rows, parts = weights.shape
    cumulative = np.zeros((rows, parts + 1))
    np.cumsum(weights, axis=1, out=cumulative[:, 1:])
    changes = np.zeros((rows, parts + 1), dtype=np.int64)  # changes[:, h]: value changes between parts before h
    np.cumsum(values[:, 1:] != values[:, :-1], axis=1, out=changes[:, 2:])
    counts = np.zeros((rows, parts), dtype=np.int64)
    counts[:, 0] = totals
    open_rows = np.arange(rows)  # (row, segment start) pairs still to split, with their ends
    open_start = np.zeros(rows, dtype=np.int64)
    open_end = np.full(rows, parts, dtype=np.int64)
    for level in range(len(_levels(parts))):
        # A segment [start, end) is split at its middle (as ``_levels`` halves it) when its values change.
        uneven = changes[open_rows, open_end] - changes[open_rows, open_start + 1] > 0
        go = uneven & (open_end - open_start > 1) & (counts[open_rows, open_start] > 0)  # nothing to split: done
        r, a, b = open_rows[go], open_start[go], open_end[go]
        m = (a + b) // 2
        if not len(r):
            break
        whole = cumulative[r, b] - cumulative[r, a]
        left = cumulative[r, m] - cumulative[r, a]
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(whole > 0, left / whole, 0.5)
        segment_total = counts[r, a]
        drawn = binomial(segment_total, p, hash_keys(keys[r], level, a))
        counts[r, m] = segment_total - drawn
        counts[r, a] = drawn
        open_rows, open_start, open_end = np.concatenate([r, r]), np.concatenate([a, m]), np.concatenate([m, b])
    return counts


def place_events(totals: I64, keys: U64, parts: int) -> tuple[I64, I64]:
    """Equal-weight split by placing each event: event ``j`` of row ``i`` lands in part hash(i, j) % parts.

    Returns every event's (row, part), so callers can total them however they
    need (per row, per group of rows, weighted by a per-row latency) without
    holding a rows x parts table first.
    """
    flat_totals = totals.astype(np.int64)
    n_events = int(flat_totals.sum())
    row_of_event = np.repeat(np.arange(len(flat_totals)), flat_totals)
    first_event = np.cumsum(flat_totals) - flat_totals
    ordinal = np.arange(n_events) - first_event[row_of_event]
    part = (hash_keys(keys[row_of_event], ordinal) % np.uint64(parts)).astype(np.int64)
    return row_of_event, part


def scatter_events(totals: I64, keys: U64, parts: int) -> I64:
    """The (rows, parts) table of ``place_events``."""
    row, part = place_events(totals, keys, parts)
    return np.bincount(row * parts + part, minlength=len(totals) * parts).reshape(len(totals), parts)
