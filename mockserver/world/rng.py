"""Counter-based randomness: every draw is a pure function of (seed, keys).

A sequential generator would make a bucket's value depend on where the query
window starts; instead each number is a SplitMix64-style hash of its coordinates
(seed, entity, day, split level, ...). Everything is vectorised over numpy
uint64 arrays, whose multiplication wraps modulo 2**64 exactly as the algorithm
needs, on every platform.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mockserver.world.cdf_tables import TABLE_ROWS, small_binomial

__all__ = ["hash_keys", "hash_more", "uniform", "standard_normal", "poisson", "binomial"]

U64 = NDArray[np.uint64]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _finalize(z: U64) -> U64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def hash_keys(*keys: ArrayLike) -> U64:
    """Mix any number of integer keys (scalars or broadcastable arrays) into uint64 hashes."""
    return hash_more(np.zeros((), dtype=np.uint64), *keys)


def hash_more(state: U64, *keys: ArrayLike) -> U64:
    """Go on mixing from ``state``: ``hash_more(hash_keys(a), b) == hash_keys(a, b)``, so draws that share
    their first keys (every payload leaf of a feedback row) mix the shared part once.

    Arrays are mixed in place in one fresh buffer (the numbers are those of :func:`_finalize`): at the sizes
    drawn per request (thousands to tens of thousands of keys) a temporary per operation cost about a third
    of the time. ``state`` is never written."""
    with np.errstate(over="ignore"):
        spare: U64 | None = None
        for key in keys:
            as_int = np.asarray(key)
            if as_int.dtype != np.uint64:
                as_int = as_int.astype(np.int64).astype(np.uint64)
            mixed = np.add(state, as_int)
            if np.ndim(mixed) == 0:
                state = _finalize(mixed + _GOLDEN)
                continue
            mixed += _GOLDEN
            if spare is None or spare.shape != mixed.shape:
                spare = np.empty_like(mixed)
            state = _finalize_in_place(mixed, spare)
        return np.asarray(state, dtype=np.uint64)


def _finalize_in_place(z: U64, spare: U64) -> U64:
    """:func:`_finalize` of ``z``, written over ``z`` (``spare`` is scratch of the same shape)."""
    for shift, multiplier in ((_S30, _M1), (_S27, _M2)):
        np.right_shift(z, shift, out=spare)
        np.bitwise_xor(z, spare, out=z)
        np.multiply(z, multiplier, out=z)
    np.right_shift(z, _S31, out=spare)
    np.bitwise_xor(z, spare, out=z)
    return z


def uniform(h: U64) -> F64:
    """Uniform on the open interval (0, 1) from the top 53 bits."""
    return ((h >> _S11).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def standard_normal(h: U64) -> F64:
    """Box-Muller on two uniforms derived from one hash."""
    with np.errstate(over="ignore"):
        u1 = uniform(_finalize(h + _GOLDEN))
        u2 = uniform(_finalize(h + _GOLDEN + _GOLDEN))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def poisson(mean: F64, h: U64) -> I64:
    """Poisson draws: exact inversion for small means, a normal approximation from 20."""
    mean = np.asarray(mean, dtype=np.float64)
    h = h if np.shape(h) == mean.shape else np.broadcast_to(h, mean.shape)
    out = np.zeros(mean.shape, dtype=np.int64)
    large = mean >= 20.0
    if large.any():
        z = standard_normal(h[large])
        out[large] = np.maximum(0, np.floor(mean[large] + np.sqrt(mean[large]) * z + 0.5)).astype(np.int64)
    small = ~large & (mean > 0)
    if small.any():
        m = mean[small]
        out[small] = _invert(uniform(h[small]), np.exp(-m), lambda k, m_: m_ / k, m)
    return out


def binomial(n: I64, p: F64, h: U64) -> I64:
    """Binomial draws, used to split a count between two halves of a period."""
    n = np.asarray(n, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    h = h if np.shape(h) == n.shape else np.broadcast_to(h, n.shape)
    flip = p > 0.5
    q = np.where(flip, 1.0 - p, p)
    out = np.zeros(n.shape, dtype=np.int64)
    variance = n * q * (1.0 - q)
    large = variance >= 9.0  # normal approximation (with continuity correction) above n*p*q = 9
    if large.any():
        z = standard_normal(h[large])
        drawn = np.floor(n[large] * q[large] + np.sqrt(variance[large]) * z + 0.5)
        out[large] = np.clip(drawn, 0, n[large]).astype(np.int64)
    small = ~large & (n > 0) & (q > 0)
    if small.any():
        ns = n[small]
        out[small] = np.minimum(_binomial_search(ns, q[small], uniform(h[small])), ns)
    return np.where(flip, n - out, out)


def _binomial_search(n: I64, q: F64, u: F64) -> I64:
    """The inverse-CDF search of small binomial draws: by kept (n, q) tables where draws share their q and n is
    modest (``cdf_tables.py``), else walked draw by draw; the same k either way."""
    searched = np.zeros(len(n), dtype=np.int64)
    tabled = n <= TABLE_ROWS
    found = small_binomial(n[tabled], q[tabled], u[tabled]) if tabled.any() else None
    if found is None:
        tabled[:] = False
    else:
        searched[tabled] = found
    walked = ~tabled
    if walked.any():
        nw, qw = n[walked], q[walked]
        ratio = qw / (1.0 - qw)
        first = np.exp(nw * np.log1p(-qw))
        searched[walked] = _invert(u[walked], first, lambda k, n_, r_: (n_ - k + 1) / k * r_, nw, ratio)
    return searched


def _invert(u: F64, first: F64, step: Callable[..., F64], *params: ArrayLike) -> I64:
    """Inverse-CDF search shared by poisson and binomial: P(k) = P(k-1) * step(k, *params).

    Draw i is the first k (capped at 400) with ``u[i] <= CDF(k)`` or ``P(k) == 0``.
    Step k is one vector operation over the draws still searching, in the
    order a loop per draw would take, so each value is the same float. The
    draws' state (P, CDF, u and the step's parameters) is one array whose
    columns are the draws: it shrinks, with one ``take``, as draws stop, so
    the work is about the sum of the draws (most are small) rather than their
    number times the largest.
    """
    k = np.zeros(u.shape, dtype=np.int64)
    idx = np.flatnonzero(u > first)
    state = np.stack([first[idx], first[idx], u[idx], *(np.asarray(p, dtype=np.float64)[idx] for p in params)])
    prob, cdf, target, *rows = state
    going, positive = np.empty(len(idx), dtype=bool), np.empty(len(idx), dtype=bool)
    step_k = 0
    while len(idx) and step_k < 400:
        step_k += 1
        np.multiply(prob, step(np.float64(step_k), *rows), out=prob)
        np.add(cdf, prob, out=cdf)
        np.greater(target, cdf, out=going)
        np.greater(prob, 0.0, out=positive)
        going &= positive
        searching = np.count_nonzero(going)
        if searching < len(idx):
            k[idx] = step_k  # the ones still searching are overwritten by a later step
            kept = np.flatnonzero(going)
            idx, state = idx.take(kept), state.take(kept, axis=1)
            prob, cdf, target, *rows = state
            going, positive = going[:searching], positive[:searching]
            if 0 < searching <= _FEW:
                k[idx] = _finish_one_by_one(state, step, step_k)
                return k
    k[idx] = step_k
    return k


# Below this many draws still searching, a vector step costs more in call overhead than a plain loop over them.
_FEW = 32


def _finish_one_by_one(state: F64, step: Callable[..., F64], done: int) -> list[int]:
    """The same search as ``_invert``, draw by draw in Python floats (IEEE doubles, the very operations in the
    very order of the vector steps, so the same results), from step ``done``."""
    found = []
    for prob, cdf, target, *params in state.T.tolist():
        step_k = done
        while step_k < 400:
            step_k += 1
            prob = prob * step(float(step_k), *params)
            cdf = cdf + prob
            if not (target > cdf and prob > 0):
                break
        found.append(step_k)
    return found
