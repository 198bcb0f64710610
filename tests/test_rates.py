"""The scalar rate helper gives the very float the vector one gives (rows mix the two)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mockserver.analytics.measures import rate_pct, rate_pct_of


@given(st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 10**12)), min_size=1, max_size=200))
def test_rate_of_one_pair_equals_the_vector_rate(pairs: list[tuple[int, int]]) -> None:
    parts = [min(a, b) for a, b in pairs]
    wholes = [max(a, b) for a, b in pairs]
    vector = rate_pct(np.array(parts), np.array(wholes)).tolist()
    assert [rate_pct_of(p, w) for p, w in zip(parts, wholes)] == vector
    assert [repr(rate_pct_of(p, w)) for p, w in zip(parts, wholes)] == [repr(v) for v in vector]


def test_every_small_fraction_rounds_alike() -> None:
    parts, wholes = zip(*((p, w) for w in range(300) for p in range(w + 1)))
    assert [rate_pct_of(p, w) for p, w in zip(parts, wholes)] == rate_pct(np.array(parts), np.array(wholes)).tolist()
