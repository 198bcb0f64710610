"""Sessions analytics about how sessions go: resolution, first response, turns, messages, and by channel.

Every row comes from the window's session counts per leaf (channel, priority,
status, escalated or handled), the same counts the escalation rate, volume and
status breakdown sum, so every operation of the family reports the same number
of sessions for the same window and filters. Per-session quantities (resolution
time, first-response time, turns) follow a distribution fixed by the leaf
(``mockserver/fixtures/catalog.yaml``, ``sessions``); a group's figures come from the
count-weighted mixture of its leaves (``world/distributions.py``).

A session is *resolved* when the agent handled it and it is closed: active,
expired and errored sessions are not resolved, and neither are escalated ones.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mockserver.analytics.measures import Totals, rate_pct, rate_pct_of, window_totals
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import Window
from mockserver.world.distributions import apportion, geometric_mixture, lognormal_mean, lognormal_mixture_quantile
from mockserver.world.keys import stable_key
from mockserver.world.rng import hash_keys, standard_normal
from mockserver.world.world import World

__all__ = ["window_sessions", "RESOLUTION_FILTERS", "MESSAGE_FILTERS", "resolution_time_rows", "first_response_rows",
           "turn_depth_rows", "message_distribution_rows", "by_channel_rows"]

RESOLUTION_FILTERS = ("channel", "priority")
MESSAGE_FILTERS = ("channel", "status")
Row = dict[str, Any]

_RESOLUTION, _FIRST_RESPONSE = 9, 10  # streams of the per-(channel, window) wobble
_WOBBLE_SIGMA = 0.08
_Z = {"p50": 0.0, "p90": 1.2815515655446004, "p95": 1.6448536269514722, "p99": 2.3263478740408408}


def window_sessions(world: World, window: Window) -> Totals:
    """Every session leaf's count in the window (row i = leaf i), shared by the whole family (and the tools'
    unique conversations), kept briefly. Only the sums: no operation reads the sessions' day cells from here."""
    table = world.sessions
    every = np.arange(len(table), dtype=np.int64)
    return world.briefly(("session-totals", window), lambda: replace(
        window_totals(table, every, window, world.params, with_latency=False, keeper=world), days=None))


def _totals(world: World, query: AnalyticsQuery) -> Totals:
    return window_sessions(world, query.window)


def _wobble(world: World, stream: int, channel: str, query: AnalyticsQuery) -> float:
    """A week is a little slower or faster than another, for one channel (the same for every operation)."""
    z = float(standard_normal(hash_keys(world.seed, stream, stable_key("channel", channel), query.window.first_day,
                                        query.window.last_day)))
    return math.exp(_WOBBLE_SIGMA * z - _WOBBLE_SIGMA * _WOBBLE_SIGMA / 2)


def _matching(world: World, filters: dict[str, str | None]) -> NDArray[np.bool_]:
    mask = np.zeros(len(world.sessions), dtype=bool)
    mask[world.sessions.select(filters)] = True
    return mask


def _resolved(world: World) -> NDArray[np.bool_]:
    table = world.sessions
    return np.asarray((table.kind == "handled") & (table.dims["status"] == "closed"))


def _resolution_groups(world: World, query: AnalyticsQuery, filters: dict[str, str | None]) -> list[Row]:
    """Resolved sessions per (channel, priority), catalog order, with their log-normal's figures (seconds)."""
    table, totals, shape = world.sessions, _totals(world, query), world.catalog.session_shape
    wanted = _matching(world, filters) & _resolved(world)
    rows = []
    for channel in world.catalog.channels:
        factor = _wobble(world, _RESOLUTION, channel.name, query)
        for priority in world.catalog.priorities:
            mask = wanted & (table.dims["channel"] == channel.name) & (table.dims["priority"] == priority)
            resolved = int(totals.counts[mask].sum())
            if resolved == 0:
                continue
            median = channel.resolution_minutes * 60.0 * shape.priority_factor(priority) * factor
            sigma = shape.resolution_sigma
            rows.append({
                "channel": channel.name,
                "priority": priority,
                "resolved_sessions": resolved,
                "avg_resolution_seconds": float(lognormal_mean(np.array(median), np.array(sigma))),
                **{f"{name}_seconds": median * math.exp(sigma * z) for name, z in _Z.items()},
            })
    return rows


def resolution_time_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    """One row per (channel, priority) with resolved sessions, channels and priorities in catalog order."""
    return [{key: round(value, 2) if isinstance(value, float) else value for key, value in row.items()}
            for row in _resolution_groups(world, query, query.filters)]


def by_channel_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    """Per channel over the window. ``resolved_sessions`` is resolution-time's summed over priorities, and
    ``avg_resolution_minutes`` its count-weighted mean; ``resolved + escalated <= total`` (sessions still active,
    expired or errored are neither)."""
    table, totals = world.sessions, _totals(world, query)
    groups = _resolution_groups(world, query, {})
    rows: list[Row] = []
    for channel in world.catalog.channels:
        of_channel = table.dims["channel"] == channel.name
        total = int(totals.counts[of_channel].sum())
        if total == 0:
            continue
        escalated = int(totals.counts[of_channel & (table.kind == "escalated")].sum())
        mine = [g for g in groups if g["channel"] == channel.name]
        resolved = sum(g["resolved_sessions"] for g in mine)
        seconds = sum(g["resolved_sessions"] * g["avg_resolution_seconds"] for g in mine) / resolved if resolved else 0.0
        rows.append({
            "channel": channel.name,
            "total_sessions": total,
            "resolved_sessions": resolved,
            "resolution_rate_pct": rate_pct_of(resolved, total),
            "avg_resolution_minutes": round(seconds / 60.0, 2),
            "escalated_sessions": escalated,
            "escalation_rate_pct": rate_pct_of(escalated, total),
        })
    rows.sort(key=lambda row: (-row["total_sessions"], row["channel"]))
    return rows


def first_response_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    """One row: every session of the window (and channel), and the mixture of the channels' first-response times."""
    table, totals, shape = world.sessions, _totals(world, query), world.catalog.session_shape
    wanted = _matching(world, query.filters)
    weights, medians = [], []
    for channel in world.catalog.channels:
        weights.append(float(totals.counts[wanted & (table.dims["channel"] == channel.name)].sum()))
        medians.append(channel.first_response_seconds * _wobble(world, _FIRST_RESPONSE, channel.name, query))
    total = int(sum(weights))
    sigmas = [shape.first_response_sigma] * len(weights)
    means = lognormal_mean(np.array(medians), np.array(sigmas))
    average = math.fsum(w * m for w, m in zip(weights, means.tolist())) / total if total else 0.0
    quantile = {name: lognormal_mixture_quantile(weights, medians, sigmas, q)
                for name, q in (("p50", 0.5), ("p90", 0.9), ("p95", 0.95))}
    return [{"total_sessions": total, "avg_seconds": round(average, 2),
             **{f"{name}_seconds": round(value, 2) for name, value in quantile.items()}}]


def _turns(world: World, query: AnalyticsQuery, filters: dict[str, str | None]) -> tuple[int, NDArray[np.float64],
                                                                                          float]:
    """Sessions, the mixture's P(turns = k) for k = 1.., and the mean turns, for the filtered sessions."""
    table, totals = world.sessions, _totals(world, query)
    wanted = _matching(world, filters)
    factor = world.catalog.session_shape.escalated_turns_factor
    weights, means = [], []
    for channel in world.catalog.channels:
        for kind, scale in (("handled", 1.0), ("escalated", factor)):
            mask = wanted & (table.dims["channel"] == channel.name) & (table.kind == kind)
            weights.append(float(totals.counts[mask].sum()))
            means.append(channel.turns * scale)
    total = int(sum(weights))
    mean = math.fsum(w * m for w, m in zip(weights, means)) / total if total else 0.0
    return total, geometric_mixture(weights, means), mean


def _quantile(pmf: NDArray[np.float64], q: float) -> float:
    if pmf.sum() <= 0:
        return 0.0
    return float(np.searchsorted(np.cumsum(pmf), q - 1e-12) + 1)


def turn_depth_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    total, pmf, mean = _turns(world, query, {})
    return [{
        "total_sessions": total,
        "avg_turns_per_session": round(mean, 2),
        "single_turn_rate_pct": round(100.0 * float(pmf[0]), 2) if total else 0.0,
        "p50_turns": _quantile(pmf, 0.5),
        "p90_turns": _quantile(pmf, 0.9),
        "p95_turns": _quantile(pmf, 0.95),
    }]


def message_distribution_rows(world: World, query: AnalyticsQuery) -> list[Row]:
    """Every bucket of the catalog's histogram, in order, zeros included; counts add up to the sessions.

    A session of ``k`` turns has ``2k`` messages (each turn a user message and a reply).
    """
    total, pmf, _ = _turns(world, query, query.filters)
    cumulative = np.concatenate([[0.0], np.cumsum(pmf)])
    turns_upto = len(pmf)

    def probability(first: int, last: int | None) -> float:
        low = max(1, math.ceil(first / 2))
        high = turns_upto if last is None else min(turns_upto, last // 2)
        return float(cumulative[high] - cumulative[low - 1]) if high >= low else 0.0

    buckets = world.catalog.session_shape.message_buckets
    counts = apportion(total, np.array([probability(first, last) for _, first, last in buckets]))
    shares = rate_pct(np.array(counts), np.full(len(counts), total)).tolist()
    return [{"bucket_index": i, "bucket": label, "session_count": n, "percentage": share}
            for i, ((label, _, _), n, share) in enumerate(zip(buckets, counts, shares))]
