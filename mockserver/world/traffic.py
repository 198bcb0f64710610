"""Counts and latency moments per (leaf, bucket), drawn top-down.

For each selected leaf and day: the expected count (base rate x weekday x daily
noise x effects) gives a Poisson day count keyed by (seed, leaf, day). Hours are
split from days, minutes from hours (``split.py``); weeks are sums of days. So
every bucket is exactly the sum of its sub-buckets and no bucket depends on the
query window. Cost grows with (leaves x buckets), never with range x minutes.

Latency is carried as additive moments: per bucket, ``n``, ``sum of E[x]`` and
``sum of E[x^2]`` over its events (each event's expectation under its leaf's
log-normal at that hour). Percentiles are derived from them in ``latency.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mockserver.world.calendar import Granularity, Window, week_starts, weekday
from mockserver.world.effects import Effect
from mockserver.world.leaves import LeafTable
from mockserver.world.rng import hash_keys, poisson, standard_normal, uniform
from mockserver.world.split import scatter_events, split_tree

__all__ = ["WorldParams", "BucketSeries", "series", "to_weeks"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

_DAY, _NOISE, _HOUR, _MINUTE, _BAD, _BAD_HOUR, _LATENCY_DAY = 1, 2, 3, 4, 5, 6, 8
_LATENCY_DAY_SIGMA = 0.07  # day-to-day wobble of an integration's latency


@dataclass(frozen=True, slots=True)
class WorldParams:
    seed: int
    weekday: F64  # (7,)
    hour_shape: F64  # (24,) sums to 1
    day_noise: float
    bad_hour_probability: float
    bad_hour_rate: dict[str, float]  # kind -> factor in a bad hour
    bad_hour_latency: float
    effects: tuple[Effect, ...]  # scenario overlays


@dataclass(frozen=True, slots=True)
class BucketSeries:
    """Per selected leaf and bucket: event counts and latency moments."""

    starts: I64  # (B,) bucket start, epoch seconds
    leaves: I64  # (L,) indices into the leaf table
    counts: I64  # (L, B)
    m1: F64  # (L, B) sum over events of E[latency]
    m2: F64  # (L, B) sum over events of E[latency^2]


class _DayPlan:
    """Expected day counts and the per-hour factors of the (leaf, day) pairs effects touch."""

    def __init__(self, table: LeafTable, leaves: I64, days: I64, world: WorldParams) -> None:
        self.table, self.leaves, self.days, self.world = table, leaves, days, world
        n_leaves, n_days = len(leaves), len(days)
        seed = world.seed
        group = table.group[leaves]
        noise_z = standard_normal(hash_keys(seed, _NOISE, table.group_keys[group][:, None], days[None, :]))
        sigma = world.day_noise
        noise = np.exp(sigma * noise_z - sigma * sigma / 2)
        self.weekday = weekday(days)
        self.expected = table.daily_rate[leaves][:, None] * world.weekday[self.weekday][None, :] * noise
        lat_z = standard_normal(hash_keys(seed, _LATENCY_DAY, table.group_keys[group][:, None], days[None, :]))
        ls = _LATENCY_DAY_SIGMA
        self.day_latency = np.exp(ls * lat_z - ls * ls / 2)  # (L, D): every hour of the day alike
        rate_factor = np.ones((n_leaves, n_days, 24))
        latency_factor = np.ones((n_leaves, n_days, 24))
        touched = np.zeros((n_leaves, n_days), dtype=bool)
        self._bad_hours(group, rate_factor, latency_factor, touched)
        for effect in world.effects:
            if effect.family == table.family:
                self._apply(effect, rate_factor, latency_factor, touched)
        self.touched = touched
        self.latency_touched = touched & (latency_factor != 1.0).any(axis=2)
        self.rate_factor = rate_factor
        self.latency_factor = latency_factor * self.day_latency[:, :, None]
        shape = world.hour_shape[None, None, :]
        self.expected = np.where(touched, self.expected * (shape * rate_factor).sum(axis=2), self.expected)

    def _bad_hours(self, group: I64, rate: F64, latency: F64, touched: NDArray[np.bool_]) -> None:
        world, table = self.world, self.table
        unique_groups = np.unique(group)
        keys = table.group_keys[unique_groups][:, None]
        bad = uniform(hash_keys(world.seed, _BAD, keys, self.days[None, :])) < world.bad_hour_probability
        if not bad.any():
            return
        hour = (hash_keys(world.seed, _BAD_HOUR, keys, self.days[None, :]) % np.uint64(24)).astype(np.int64)
        kind_factor = np.array([world.bad_hour_rate.get(k, 1.0) for k in table.kind[self.leaves]])
        for gi, g in enumerate(unique_groups):
            day_idx = np.flatnonzero(bad[gi])
            if not len(day_idx):
                continue
            leaf_idx = np.flatnonzero(group == g)
            hours = hour[gi, day_idx]
            rate[np.ix_(leaf_idx, day_idx)] = _set_hour(rate[np.ix_(leaf_idx, day_idx)], hours, kind_factor[leaf_idx])
            latency[np.ix_(leaf_idx, day_idx)] = _set_hour(
                latency[np.ix_(leaf_idx, day_idx)], hours, np.full(len(leaf_idx), world.bad_hour_latency))
            touched[np.ix_(leaf_idx, day_idx)] = True

    def _apply(self, effect: Effect, rate: F64, latency: F64, touched: NDArray[np.bool_]) -> None:
        dims = {k: v[self.leaves] for k, v in self.table.dims.items()}
        mask, factor = effect.leaf_mask(dims, self.table.kind[self.leaves])
        if not mask.any():
            return
        strength = effect.schedule.strength(self.days)  # (D, 24)
        active_days = np.flatnonzero((strength != 0).any(axis=1))
        if not len(active_days):
            return
        leaf_idx = np.flatnonzero(mask)
        s = strength[active_days][None, :, :]
        block = np.ix_(leaf_idx, active_days)
        rate[block] = rate[block] * factor[leaf_idx][:, None, None] ** s
        latency[block] = latency[block] * effect.latency ** s
        touched[block] = True

    def day_counts(self) -> I64:
        keys = hash_keys(self.world.seed, _DAY, self.table.keys[self.leaves][:, None], self.days[None, :])
        return poisson(self.expected, keys)

    def hour_weights(self, rows: tuple[I64, I64]) -> F64:
        leaf_i, day_i = rows
        weights = self.world.hour_shape[None, :] * np.ones((len(leaf_i), 1))
        touched = self.touched[leaf_i, day_i]
        if touched.any():
            weights[touched] = weights[touched] * self.rate_factor[leaf_i[touched], day_i[touched]]
        return weights

    def hour_counts(self, day_counts: I64, rows: tuple[I64, I64]) -> I64:
        leaf_i, day_i = rows
        keys = hash_keys(self.world.seed, _HOUR, self.table.keys[self.leaves[leaf_i]], self.days[day_i])
        return split_tree(day_counts[leaf_i, day_i], self.hour_weights(rows), keys)


def _set_hour(block: F64, hours: I64, factor: F64) -> F64:
    """Multiply hour ``hours[j]`` of day column j by ``factor[i]`` for every leaf row i."""
    out = block.copy()
    cols = np.arange(block.shape[1])
    out[:, cols, hours] = out[:, cols, hours] * factor[:, None]
    return out


def series(
    table: LeafTable,
    leaves: I64,
    window: Window,
    granularity: Granularity,
    world: WorldParams,
    *,
    with_latency: bool = False,
) -> BucketSeries:
    days = window.day_numbers()
    plan = _DayPlan(table, leaves, days, world)
    day_counts = plan.day_counts()  # (L, D)
    m1_unit = table.latency_m1[leaves]
    m2_unit = table.latency_m2[leaves]
    n_leaves, n_days = day_counts.shape
    if granularity in (Granularity.DAY, Granularity.WEEK):
        f = plan.day_latency
        m1 = day_counts * f * m1_unit[:, None] if with_latency else np.zeros(day_counts.shape)
        m2 = day_counts * f * f * m2_unit[:, None] if with_latency else np.zeros(day_counts.shape)
        if with_latency and plan.latency_touched.any():
            leaf_rows, day_rows = np.nonzero(plan.latency_touched)
            rows = (leaf_rows.astype(np.int64), day_rows.astype(np.int64))
            hours = plan.hour_counts(day_counts, rows)
            lat = plan.latency_factor[rows]
            m1[rows] = (hours * lat).sum(axis=1) * m1_unit[rows[0]]
            m2[rows] = (hours * lat * lat).sum(axis=1) * m2_unit[rows[0]]
        by_day = BucketSeries(days * 86400, leaves, day_counts, m1, m2)
        return to_weeks(by_day) if granularity is Granularity.WEEK else by_day
    rows = (np.repeat(np.arange(n_leaves), n_days), np.tile(np.arange(n_days), n_leaves))
    hours = plan.hour_counts(day_counts, rows)  # (L*D, 24)
    lat = plan.latency_factor[rows] if with_latency else np.ones_like(hours, dtype=np.float64)
    if granularity is Granularity.HOUR:
        counts = hours.reshape(n_leaves, n_days * 24)
        starts = (days[:, None] * 86400 + np.arange(24)[None, :] * 3600).reshape(-1)
        lat_flat = lat.reshape(n_leaves, n_days * 24)
        m1 = counts * lat_flat * m1_unit[:, None] if with_latency else np.zeros(counts.shape)
        m2 = counts * lat_flat * lat_flat * m2_unit[:, None] if with_latency else np.zeros(counts.shape)
        return BucketSeries(starts, leaves, counts, m1, m2)
    hour_numbers = (days[:, None] * 24 + np.arange(24)[None, :]).reshape(-1)  # (D*24,)
    flat_hours = hours.reshape(-1)  # (L*D*24,) row-major leaf, day, hour
    leaf_of_row = np.repeat(np.arange(n_leaves), n_days * 24)
    keys = hash_keys(world.seed, _MINUTE, table.keys[leaves][leaf_of_row], np.tile(hour_numbers, n_leaves))
    minutes = scatter_events(flat_hours, keys, 60)  # (L*D*24, 60)
    counts = minutes.reshape(n_leaves, n_days * 1440)
    starts = (hour_numbers[:, None] * 3600 + np.arange(60)[None, :] * 60).reshape(-1)
    if with_latency:
        lat_min = np.repeat(lat.reshape(n_leaves, n_days * 24), 60, axis=1)
        m1 = counts * lat_min * m1_unit[:, None]
        m2 = counts * lat_min * lat_min * m2_unit[:, None]
    else:
        m1 = m2 = np.zeros(counts.shape)
    return BucketSeries(starts, leaves, counts, m1, m2)


def to_weeks(by_day: BucketSeries) -> BucketSeries:
    """Week buckets (Monday starts) as sums of the day buckets they hold."""
    weeks = week_starts(by_day.starts // 86400)
    unique_weeks, column = np.unique(weeks, return_inverse=True)
    n = len(unique_weeks)
    return BucketSeries(unique_weeks * 86400, by_day.leaves, _sum_columns(by_day.counts, column, n),
                        _sum_columns(by_day.m1, column, n), _sum_columns(by_day.m2, column, n))


def _sum_columns(values: NDArray[Any], column: I64, n: int) -> NDArray[Any]:
    out = np.zeros((n, values.shape[0]), dtype=values.dtype)
    np.add.at(out, column, values.T)  # rows of the transpose are the columns to add
    return out.T.copy()
