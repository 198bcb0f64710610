"""Splitting a day's count into hours: the vectorised tree is the recursive definition, draw for draw.

The tree (``world/split.py``) halves each segment level by level and draws the left part of a segment holding
``n`` events as a binomial keyed by (row key, level, segment start). The vectorised version draws whole levels at
once and skips segments with no events; both must give exactly what the plain recursion gives.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mockserver.world.rng import binomial, hash_keys
from mockserver.world.split import split_tree, split_where_uneven


def _recursive_split(total: int, weights: np.ndarray, key: np.uint64) -> list[int]:
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    out = [0] * len(weights)

    def split(start: int, end: int, n: int, level: int) -> None:
        if end - start == 1:
            out[start] = n
            return
        mid = (start + end) // 2
        whole = cumulative[end] - cumulative[start]
        p = (cumulative[mid] - cumulative[start]) / whole if whole > 0 else 0.5
        left = int(binomial(np.array([n]), np.array([p]), hash_keys(np.array([key]), level, start))[0])
        split(start, mid, left, level + 1)
        split(mid, end, n - left, level + 1)

    split(0, len(weights), total, 0)
    return out


rows = st.integers(1, 12)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n_rows=rows, parts=st.sampled_from([2, 5, 24]))
def test_the_vectorised_tree_is_the_recursive_split(data: st.DataObject, n_rows: int, parts: int) -> None:
    totals = data.draw(arrays(np.int64, n_rows, elements=st.one_of(st.just(0), st.integers(0, 6), st.integers(0, 5000))))
    weights = data.draw(arrays(np.float64, (n_rows, parts), elements=st.one_of(
        st.just(0.0), st.floats(0.001, 10.0))))
    keys = data.draw(arrays(np.uint64, n_rows, elements=st.integers(0, 2**64 - 1)))
    drawn = split_tree(totals, weights, keys)
    assert drawn.tolist() == [_recursive_split(int(t), w, k) for t, w, k in zip(totals, weights, keys)]
    assert drawn.sum(axis=1).tolist() == totals.tolist()


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n_rows=rows)
def test_descending_only_where_values_change_draws_the_same_counts(data: st.DataObject, n_rows: int) -> None:
    """Where values change at every part the uneven split follows the whole tree; where they never change it
    leaves the total whole at the first part."""
    totals = data.draw(arrays(np.int64, n_rows, elements=st.integers(0, 300)))
    weights = data.draw(arrays(np.float64, (n_rows, 24), elements=st.floats(0.0, 5.0)))
    keys = data.draw(arrays(np.uint64, n_rows, elements=st.integers(0, 2**64 - 1)))
    changing = np.tile(np.arange(24, dtype=np.float64), (n_rows, 1))
    assert split_where_uneven(totals, weights, keys, changing).tolist() == split_tree(totals, weights, keys).tolist()
    flat = split_where_uneven(totals, weights, keys, np.ones((n_rows, 24)))
    assert flat[:, 0].tolist() == totals.tolist() and not flat[:, 1:].any()
