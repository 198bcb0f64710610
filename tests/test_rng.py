"""Counter-based draws: the vectorised searches equal the textbook one-draw-at-a-time search."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.world.rng import binomial, hash_keys, poisson, uniform


def _search(u: float, first: float, step) -> int:  # type: ignore[no-untyped-def]
    """P(k) = P(k-1) * step(k); the first k with u <= CDF(k) or P(k) == 0, at most 400."""
    k, prob, cdf = 0, first, first
    while u > cdf and k < 400:
        k += 1
        prob = prob * step(float(k))
        cdf = cdf + prob
        if prob <= 0:
            break
    return k


@settings(max_examples=60)
@given(st.lists(st.floats(0.0, 19.99), min_size=1, max_size=50), st.integers(0, 2**32))
def test_small_poisson_draws_follow_the_inverse_cdf(means: list[float], seed: int) -> None:
    mean = np.array(means)
    keys = hash_keys(seed, np.arange(len(means)))
    drawn = poisson(mean, keys)
    u, first = uniform(keys), np.exp(-mean)
    expected = [_search(u[i], first[i], lambda k, m=m: m / k) if m > 0 else 0 for i, m in enumerate(means)]
    assert drawn.tolist() == expected


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 40), st.floats(0.0, 0.2)), min_size=1, max_size=50), st.integers(0, 2**32))
def test_small_binomial_draws_follow_the_inverse_cdf(pairs: list[tuple[int, float]], seed: int) -> None:
    n = np.array([count for count, _ in pairs])
    p = np.array([prob for _, prob in pairs])
    keys = hash_keys(seed, np.arange(len(pairs)))
    drawn = binomial(n, p, keys)
    u, first = uniform(keys), np.exp(n * np.log1p(-p))
    expected = []
    for i, (count, prob) in enumerate(pairs):
        if count == 0 or prob == 0 or count * prob * (1 - prob) >= 9.0:
            expected.append(int(drawn[i]) if count * prob * (1 - prob) >= 9.0 else 0)
            continue
        ratio = p[i] / (1.0 - p[i])
        expected.append(min(_search(u[i], first[i], lambda k, c=count, r=ratio: (c - k + 1) / k * r), count))
    assert drawn.tolist() == expected
    assert ((drawn >= 0) & (drawn <= n)).all()
