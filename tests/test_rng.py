"""Counter-based draws: the vectorised searches equal the textbook one-draw-at-a-time search."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.world import cdf_tables
from mockserver.world.cdf_tables import small_binomial
from mockserver.world.rng import binomial, hash_keys, hash_more, poisson, uniform


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


def _binomial_search(n: int, q: float, u: float) -> int:
    first = float(np.exp(n * np.log1p(-np.float64(q))))
    ratio = q / (1.0 - q)
    return min(_search(u, first, lambda k: (n - k + 1) / k * ratio), n)


@settings(max_examples=40)
@given(st.lists(st.floats(0.001, 0.5), min_size=1, max_size=4), st.integers(0, 2**32), st.integers(1, 60))
def test_binomial_draws_by_shared_tables_equal_the_search(qs: list[float], seed: int, largest: int) -> None:
    """Many draws sharing few probabilities (as the hour splits do) go through the kept (n, q) tables, and
    each equals the one-draw search; so does a second pass, from tables already kept."""
    count = 400
    keys = hash_keys(seed, np.arange(count))
    n = (keys % np.uint64(largest + 1)).astype(np.int64)
    q = np.array(qs)[np.arange(count) % len(qs)]
    u = uniform(keys)
    assert small_binomial(n, q, u) is not None  # the tables are used, not the walk
    expected = [_binomial_search(int(n[i]), float(q[i]), float(u[i])) if n[i] * q[i] * (1 - q[i]) < 9.0
                else None for i in range(count)]
    for _ in range(2):
        drawn = binomial(n, q, keys)
        assert [d if e is not None else None for d, e in zip(drawn.tolist(), expected)] == expected


def test_binomial_tables_stay_bounded_and_exact(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A cache too small for the tables asked for starts again; the draws do not change."""
    keys = hash_keys(7, np.arange(2000))
    n = (keys % np.uint64(30)).astype(np.int64)
    q = np.array([0.1, 0.25, 0.4, 0.5])[np.arange(2000) % 4]
    reference = binomial(n, q, keys)
    monkeypatch.setattr(cdf_tables, "MAX_FLOATS", 200)
    monkeypatch.setattr(cdf_tables, "_tables", {})
    monkeypatch.setattr(cdf_tables, "_size", 0)
    assert binomial(n, q, keys).tolist() == reference.tolist()
    assert cdf_tables._size <= 200 + max(t.size for t in cdf_tables._tables.values())


def test_many_poisson_draws_equal_the_search() -> None:
    """Hundreds of draws: the vector steps, then the last few draw by draw."""
    keys = hash_keys(3, np.arange(3000))
    mean = uniform(hash_keys(4, np.arange(3000))) * 19.9
    drawn = poisson(mean, keys)
    u, first = uniform(keys), np.exp(-mean)
    assert drawn.tolist() == [_search(u[i], first[i], lambda k, m=m: m / k) for i, m in enumerate(mean.tolist())]


def test_binomial_draws_past_the_table_rows_are_walked_alike() -> None:
    """Counts beyond the tables' rows (a large n with a small q) are walked; tabled or not, each draw equals the
    one-draw search."""
    count = 600
    keys = hash_keys(11, np.arange(count))
    n = np.where(np.arange(count) % 2 == 0, 2000, 40).astype(np.int64)
    q = np.full(count, 0.002)
    u = uniform(keys)
    drawn = binomial(n, q, keys)
    assert drawn.tolist() == [_binomial_search(int(n[i]), 0.002, float(u[i])) for i in range(count)]
    assert all(t.shape[0] <= cdf_tables.TABLE_ROWS + 1 for t in cdf_tables._tables.values())


_MASK = (1 << 64) - 1


def _splitmix(*keys: int) -> int:
    """The hash written out in Python integers, one key at a time (SplitMix64's finaliser)."""
    state = 0
    for key in keys:
        z = (state + 0x9E3779B97F4A7C15 + (key & _MASK)) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        state = z ^ (z >> 31)
    return state


@settings(max_examples=60)
@given(st.lists(st.integers(-2**63, 2**63 - 1), min_size=1, max_size=40), st.integers(0, 2**32),
       st.integers(-2**63, 2**63 - 1))
def test_hashes_mixed_in_place_are_the_textbook_ones_and_can_be_continued(
        values: list[int], seed: int, last: int) -> None:
    array = np.array(values, dtype=np.int64)
    kept = array.copy()
    hashed = hash_keys(seed, array, last)
    assert hashed.tolist() == [_splitmix(seed, v, last) for v in values]
    first = hash_keys(seed, array)
    before = first.copy()
    assert np.array_equal(hash_more(first, last), hashed)
    assert np.array_equal(first, before) and np.array_equal(array, kept), "inputs are never written"
    grid = hash_keys(array[:, None], np.arange(3)[None, :])  # broadcast keys
    assert grid.tolist() == [[_splitmix(v, j) for j in range(3)] for v in values]
    assert int(hash_keys(seed, last)) == _splitmix(seed, last)
