"""Counts and latency moments per (leaf, bucket), drawn top-down.

For each selected leaf and day: the expected count (base rate x weekday x daily
noise x effects) gives a Poisson day count keyed by (seed, leaf, day). Hours are
split from days, minutes from hours (``split.py``); weeks are sums of days. So
every bucket is exactly the sum of its sub-buckets and no bucket depends on the
query window. Cost grows with (leaves x buckets), never with range x minutes.

Scenario effects that *convert* outcomes (``Effect.converts``) keep every
volume: the world without them is drawn first, then, inside the effect's hours,
each volume unit's events (an integration call, a tool call, a session before
its outcome is known) are re-assigned outcomes by the effect's odds. A whole
day under the effect is re-assigned at the day level, part of a day hour by
hour, so hours outside the effect are the world's own, bucket for bucket.

Latency is carried as additive moments: per bucket, ``n``, ``sum of E[x]`` and
``sum of E[x^2]`` over its events (each event's expectation under its leaf's
log-normal at that hour). Percentiles are derived from them in ``latency.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Hashable, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from mockserver.world.calendar import Granularity, Window, week_starts, weekday
from mockserver.world.effects import Effect
from mockserver.world.leaves import LeafTable
from mockserver.world.rng import hash_keys, poisson, standard_normal, uniform
from mockserver.world.split import place_events, scatter_events, split_tree, split_where_uneven

__all__ = ["WorldParams", "BucketSeries", "series", "to_weeks", "combined", "day_cells", "hour_cells", "Keeper",
           "CELL_DAYS", "RUN_ANCHOR", "run_of", "run_start", "stretches", "HourCells", "HourLatency"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

_DAY, _NOISE, _HOUR, _MINUTE, _BAD, _BAD_HOUR, _LATENCY_DAY = 1, 2, 3, 4, 5, 6, 8
_CONVERT_DAY, _CONVERT_HOUR = 9, 10
_Cells = TypeVar("_Cells")
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
    hi: F64  # (L, B) the largest E[latency] of any event in the bucket (0: none); rolls up by max
    lo: F64  # (L, B) the smallest (0: none); rolls up by min over buckets with events

    @property
    def nbytes(self) -> int:
        """What keeping it costs (the world's memo counts this)."""
        return held_bytes(self.starts, self.leaves, self.counts, self.m1, self.m2, self.hi, self.lo)


def held_bytes(*arrays: NDArray[Any]) -> int:
    """The memory these arrays keep alive: a view keeps its whole base, and an array (or base) held twice counts
    once."""
    held: dict[int, int] = {}
    for array in arrays:
        base = array.base
        owner = base if isinstance(base, np.ndarray) else array
        held[id(owner)] = owner.nbytes
    return sum(held.values())


class _DayPlan:
    """Expected day counts, and per-hour factors for the few (leaf, day) pairs effects touch.

    Pairs are numbered ``leaf_position * days + day_position``. Only touched pairs
    (a bad hour, a scenario effect) carry 24 hour factors; every other pair
    follows the plain hour-of-day shape, so the cost of a plan grows with the
    pairs touched, not with leaves x days x 24.
    """

    def __init__(self, table: LeafTable, leaves: I64, days: I64, world: WorldParams) -> None:
        self.table, self.leaves, self.days, self.world = table, leaves, days, world
        n_days = len(days)
        seed = world.seed
        group = table.group[leaves]
        # Noise is a property of a (group, day): drawn once per group present, then given to its leaves.
        groups, group_of = np.unique(group, return_inverse=True)
        group_keys = table.group_keys[groups][:, None]
        noise_z = standard_normal(hash_keys(seed, _NOISE, group_keys, days[None, :]))[group_of]
        sigma = world.day_noise
        noise = np.exp(sigma * noise_z - sigma * sigma / 2)
        self.expected = table.daily_rate[leaves][:, None] * world.weekday[weekday(days)][None, :] * noise
        lat_z = standard_normal(hash_keys(seed, _LATENCY_DAY, group_keys, days[None, :]))
        ls = _LATENCY_DAY_SIGMA
        self.day_latency = np.exp(ls * lat_z - ls * ls / 2)[group_of]  # (L, D): every hour of the day alike
        changes: list[tuple[I64, F64, F64]] = []  # (pairs, rate factors (k, 24), latency factors (k, 24))
        self._bad_hours(groups, group_of, changes)
        for effect in world.effects:
            if effect.family == table.family:
                self._effect(effect, changes)
        self._conversion: _Conversion | None = None
        self.pairs = np.unique(np.concatenate([c[0] for c in changes])) if changes else np.zeros(0, dtype=np.int64)
        self.rate = np.ones((len(self.pairs), 24))
        self.latency = np.ones((len(self.pairs), 24))
        for pairs, rate, latency in changes:  # in order: bad hours, then effects
            at = np.searchsorted(self.pairs, pairs)
            self.rate[at] = self.rate[at] * rate
            self.latency[at] = self.latency[at] * latency
        if len(self.pairs):
            flat = self.expected.reshape(-1)
            flat[self.pairs] = flat[self.pairs] * (world.hour_shape[None, :] * self.rate).sum(axis=1)
        slow = self.pairs[(self.latency != 1.0).any(axis=1)]
        self.latency_touched_rows = (slow // n_days, slow % n_days)

    def _bad_hours(self, groups: I64, group_of: I64, changes: list[tuple[I64, F64, F64]]) -> None:
        """A bad hour is a property of a (group, day): drawn per group present, then given to every leaf of
        the group as one change (its pairs come out sorted and unique, leaf by leaf)."""
        world, table, n_days = self.world, self.table, len(self.days)
        keys = table.group_keys[groups][:, None]
        bad = uniform(hash_keys(world.seed, _BAD, keys, self.days[None, :])) < world.bad_hour_probability
        if not bad.any():
            return
        hour = (hash_keys(world.seed, _BAD_HOUR, keys, self.days[None, :]) % np.uint64(24)).astype(np.int64)
        kind_factor = np.array([world.bad_hour_rate.get(k, 1.0) for k in table.kind[self.leaves]])
        leaf_bad = bad[group_of]  # (L, D)
        pairs = np.flatnonzero(leaf_bad)
        hours = hour[group_of][leaf_bad]
        rate = np.ones((len(pairs), 24))
        latency = np.ones((len(pairs), 24))
        rows = np.arange(len(pairs))
        rate[rows, hours] = kind_factor[pairs // n_days]
        latency[rows, hours] = world.bad_hour_latency
        changes.append((pairs, rate, latency))

    def _effect(self, effect: Effect, changes: list[tuple[I64, F64, F64]]) -> None:
        dims = {k: v[self.leaves] for k, v in self.table.dims.items()}
        mask, factor = effect.leaf_mask(dims, self.table.kind[self.leaves])
        if not mask.any():
            return
        strength = effect.schedule.strength(self.days)  # (D, 24)
        active_days = np.flatnonzero((strength != 0).any(axis=1))
        if not len(active_days):
            return
        leaf_idx = np.flatnonzero(mask)
        pairs = (leaf_idx[:, None] * len(self.days) + active_days[None, :]).reshape(-1)
        s = strength[active_days][None, :, :]  # (1, A, 24)
        # A converting effect leaves rates alone (its odds act in ``_Conversion``); its latency applies here.
        rate = np.ones((len(pairs), 24)) if effect.converts else (factor[leaf_idx][:, None, None] ** s).reshape(-1, 24)
        latency = np.broadcast_to(effect.latency ** s, (len(leaf_idx), len(active_days), 24)).reshape(-1, 24)
        changes.append((pairs, rate, latency))

    def _lookup(self, rows: tuple[I64, I64]) -> tuple[NDArray[np.bool_], I64]:
        """Which of these (leaf, day) rows are touched, and where their factors are."""
        wanted = rows[0] * len(self.days) + rows[1]
        if not len(self.pairs):
            return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.pairs, wanted), len(self.pairs) - 1)
        return self.pairs[at] == wanted, at

    def hour_weights(self, rows: tuple[I64, I64]) -> F64:
        weights = self.world.hour_shape[None, :] * np.ones((len(rows[0]), 1))
        hit, at = self._lookup(rows)
        if hit.any():
            weights[hit] = weights[hit] * self.rate[at[hit]]
        return weights

    def latency_factor(self, rows: tuple[I64, I64]) -> F64:
        factor = np.repeat(self.day_latency[rows][:, None], 24, axis=1)
        hit, at = self._lookup(rows)
        if hit.any():
            factor[hit] = self.latency[at[hit]] * factor[hit]
        return factor

    def hour_latency(self) -> HourLatency:
        """Every (leaf, day, hour) factor of the plan, compactly: the values ``latency_factor`` gives, bit for bit
        (a touched pair's factors are the same products; an untouched pair's, its day factor)."""
        slow = np.flatnonzero((self.latency != 1.0).any(axis=1))
        pairs = self.pairs[slow]
        return HourLatency(self.day_latency, pairs, self.latency[slow] * self.day_latency.reshape(-1)[pairs][:, None])

    def conversion(self) -> _Conversion:
        if self._conversion is None:
            self._conversion = _Conversion(self)
        return self._conversion

    def day_counts(self) -> I64:
        keys = hash_keys(self.world.seed, _DAY, self.table.keys[self.leaves][:, None], self.days[None, :])
        counts = poisson(self.expected, keys)
        conversion = self.conversion()
        if len(conversion.day_pairs):
            counts.reshape(-1)[conversion.day_pairs] = conversion.day_totals
        return counts

    def hour_counts(self, day_counts: I64, rows: tuple[I64, I64], values: F64 | None = None) -> I64:
        """The 24 hour counts of these (leaf, day) rows. With ``values`` (per row and hour), only as far as
        ``values`` changes: a run of hours with one value may hold its total in its first hour
        (``split_where_uneven``), which is all a sum of ``count x value`` needs."""
        leaf_i, day_i = rows
        keys = hash_keys(self.world.seed, _HOUR, self.table.keys[self.leaves[leaf_i]], self.days[day_i])
        if values is None:
            hours = split_tree(day_counts[leaf_i, day_i], self.hour_weights(rows), keys)
        else:
            hours = split_where_uneven(day_counts[leaf_i, day_i], self.hour_weights(rows), keys, values)
        conversion = self.conversion()
        if len(conversion.hour_pairs):
            wanted = leaf_i * len(self.days) + day_i
            at = np.minimum(np.searchsorted(conversion.hour_pairs, wanted), len(conversion.hour_pairs) - 1)
            hit = conversion.hour_pairs[at] == wanted
            hours[hit] = conversion.hours[at[hit]]
        return hours


class _Conversion:
    """The (leaf, day) counts that converting effects re-assign, for one plan's leaves and days.

    ``day_pairs``/``day_totals``: new day counts (pairs numbered as in ``_DayPlan``,
    sorted); ``hour_pairs``/``hours``: the subset whose hours are re-assigned hour
    by hour (a day the effect covers only in part), with their 24 new hour counts.
    Every leaf of a touched unit is drawn, whichever leaves the plan selected, so a
    filtered request sees exactly its share of the unfiltered one.
    """

    def __init__(self, plan: _DayPlan) -> None:
        empty = np.zeros(0, dtype=np.int64)
        self.day_pairs, self.day_totals, self.hour_pairs = empty, empty, empty
        self.hours = np.zeros((0, 24), dtype=np.int64)
        table, world = plan.table, plan.world
        effects = [e for e in world.effects if e.family == table.family and e.converts]
        if not effects:
            return
        every = {k: v for k, v in table.dims.items()}
        units_wanted = np.unique(table.unit[plan.leaves])
        # odds[e]: per table leaf, the effect's factor (1 where its selector does not reach)
        odds, strengths = [], []
        touched_units = np.zeros(0, dtype=np.int64)
        for effect in effects:
            mask, factor = effect.leaf_mask(every, table.kind)
            touched_units = np.union1d(touched_units, np.intersect1d(np.unique(table.unit[mask]), units_wanted))
            odds.append(np.where(mask, factor, 1.0))
            strengths.append(effect.schedule.strength(plan.days))  # (D, 24)
        strength = np.stack(strengths)  # (E, D, 24)
        active_days = np.flatnonzero((strength != 0).any(axis=(0, 2)))
        if not len(touched_units) or not len(active_days):
            return
        leaves = np.flatnonzero(np.isin(table.unit, touched_units))  # every leaf of every touched unit
        base = _DayPlan(table, leaves, plan.days[active_days], replace(world, effects=tuple(
            e for e in world.effects if not e.converts)))
        base_days = base.day_counts()  # (L', A): the world without the conversions
        # per (leaf', active day, hour): the product of the effects' odds factors at that strength
        factor = np.ones((len(leaves), len(active_days), 24))
        for effect_odds, effect_strength in zip(odds, strength):
            factor *= effect_odds[leaves][:, None, None] ** effect_strength[active_days][None, :, :]
        unit_of = np.searchsorted(touched_units, table.unit[leaves])  # (L',) position of each leaf's unit
        whole_day = (strength[:, active_days, :] == strength[:, active_days, :1]).all(axis=(0, 2))  # (A,)
        n_units, n_active = len(touched_units), len(active_days)
        # The widest unit of the table, not of this selection: a split's draws depend on its width, and a
        # filtered request must draw what the unfiltered one does.
        width = int(np.bincount(table.unit).max())
        slot = np.zeros(len(leaves), dtype=np.int64)  # a leaf's column inside its unit
        for u in range(n_units):
            members = np.flatnonzero(unit_of == u)
            slot[members] = np.arange(len(members))
        # Where some leaf of a unit has odds other than 1: (unit, active day, hour).
        changed = np.zeros((n_units, n_active, 24), dtype=bool)
        np.logical_or.at(changed, unit_of, factor != 1.0)
        new_days = base_days.copy()
        converted_hours: list[I64] = []
        seed = world.seed
        whole = np.flatnonzero(whole_day)
        if len(whole):
            # One multinomial per (unit, day): the unit's day total, by the day's expected rates times the odds.
            rate = np.zeros((n_units, len(whole), width))
            rate[unit_of, :, slot] = base.expected[:, whole]
            totals = np.zeros((n_units, len(whole)), dtype=np.int64)
            np.add.at(totals, unit_of, base_days[:, whole])
            odds_rate = np.zeros_like(rate)
            odds_rate[unit_of, :, slot] = base.expected[:, whole] * factor[:, whole, 0]
            keys = hash_keys(seed, _CONVERT_DAY, table.unit_keys[touched_units][:, None], base.days[whole][None, :])
            drawn = split_tree(totals.reshape(-1), _weights(odds_rate, rate).reshape(-1, width), keys.reshape(-1))
            drawn_days = drawn.reshape(n_units, len(whole), width)[unit_of, :, slot]  # (L', W)
            new_days[:, whole] = np.where(changed[unit_of][:, whole, 0], drawn_days, base_days[:, whole])
        partial = np.flatnonzero(~whole_day)
        if len(partial):
            # Hour by hour: the world's hours, and inside the effect's hours each unit's total re-assigned.
            rows = (np.repeat(np.arange(len(leaves)), len(partial)), np.tile(partial, len(leaves)))
            hours = base.hour_counts(base_days, rows).reshape(len(leaves), len(partial), 24)
            shape = base.hour_weights(rows).reshape(len(leaves), len(partial), 24)
            leaf_rate = shape / shape.sum(axis=2, keepdims=True) * base.expected[:, partial][:, :, None]
            rate = np.zeros((n_units, len(partial), 24, width))
            rate[unit_of, :, :, slot] = leaf_rate
            odds_rate = np.zeros_like(rate)
            odds_rate[unit_of, :, :, slot] = leaf_rate * factor[:, partial, :]
            totals = np.zeros((n_units, len(partial), 24), dtype=np.int64)
            np.add.at(totals, unit_of, hours)
            hour_numbers = base.days[partial][:, None] * 24 + np.arange(24)[None, :]
            keys = hash_keys(seed, _CONVERT_HOUR, table.unit_keys[touched_units][:, None, None], hour_numbers[None])
            drawn = split_tree(totals.reshape(-1), _weights(odds_rate, rate).reshape(-1, width), keys.reshape(-1))
            drawn = drawn.reshape(n_units, len(partial), 24, width)[unit_of, :, :, slot]  # (L', P, 24)
            hours = np.where(changed[unit_of][:, partial, :], drawn, hours)
            new_days[:, partial] = hours.sum(axis=2)
            converted_hours = [hours[:, i, :] for i in range(len(partial))]
        # Onto the plan's own leaves and days.
        position = np.searchsorted(leaves, plan.leaves)
        present = (position < len(leaves)) & (leaves[np.minimum(position, len(leaves) - 1)] == plan.leaves)
        mine = np.flatnonzero(present)  # plan leaf positions that were converted
        theirs = position[mine]
        n_days = len(plan.days)
        pairs = (mine[:, None] * n_days + active_days[None, :]).reshape(-1)
        self.day_pairs = pairs
        self.day_totals = new_days[theirs].reshape(-1)
        if len(partial):
            hour_pairs = (mine[:, None] * n_days + active_days[partial][None, :]).reshape(-1)
            stacked = np.stack([h[theirs] for h in converted_hours], axis=1)  # (M, P, 24)
            self.hour_pairs = hour_pairs
            self.hours = stacked.reshape(-1, 24)


def _weights(odds_rate: F64, rate: F64) -> F64:
    """The odds-weighted rates, except where the odds leave no weight at all (every outcome multiplied by 0):
    there the world's own rates."""
    empty = odds_rate.sum(axis=-1, keepdims=True) <= 0
    return np.where(empty, rate, odds_rate)


# (leaf, sub-day bucket) cells drawn at once. Hour and minute series are drawn in
# blocks of whole days of at most this many cells and joined, so a request's working
# memory stays bounded (a 3-year hourly series would otherwise hold ~250 MB of
# intermediate arrays). Every draw is keyed by (leaf, day, ...), so blocks join exactly.
CELLS_PER_BLOCK = 1 << 19


def series(
    table: LeafTable,
    leaves: I64,
    window: Window,
    granularity: Granularity,
    world: WorldParams,
    *,
    with_latency: bool = False,
    combine: I64 | None = None,
    groups: int = 0,
    keeper: Keeper | None = None,
) -> BucketSeries:
    """Counts (and latency moments) per selected leaf and bucket.

    With ``combine`` (a group index per selected leaf, ``groups`` of them), rows
    are those groups instead: the sums callers want, without holding a leaves x
    minutes table (at ``minute`` the events are totalled straight into groups).
    With a ``keeper`` (the world's memo), day and hour draws are cut from kept
    cells (:func:`day_cells`, :func:`hour_cells`) instead of being drawn again.
    """
    per_day = {Granularity.HOUR: 24, Granularity.MINUTE: 1440}.get(granularity, 0) * max(len(leaves), 1)
    block_days = max(1, CELLS_PER_BLOCK // per_day) if per_day else window.days
    if window.days <= block_days:
        return _series_block(table, leaves, window, granularity, world, with_latency, combine, groups, keeper)
    firsts = range(window.first_day, window.last_day + 1, block_days)
    if granularity is Granularity.MINUTE:
        # The hours of the whole window in one split (leaves x days x 24 is small; the per-call cost of a split is
        # not), then the minutes block by block from their days' hours.
        hours, lat = _hours(table, leaves, window, world, with_latency, keeper)
        by_day = (len(leaves), window.days, 24)
        blocks = []
        for first in firsts:
            block = Window(first, min(first + block_days - 1, window.last_day))
            cut = slice(first - window.first_day, block.last_day - window.first_day + 1)
            blocks.append(_minutes(table, leaves, block.day_numbers(), hours.reshape(by_day)[:, cut].reshape(-1, 24),
                                   lat.reshape(by_day)[:, cut].reshape(-1, 24), world, with_latency, combine, groups))
    else:
        blocks = [_series_block(table, leaves, Window(first, min(first + block_days - 1, window.last_day)),
                                granularity, world, with_latency, combine, groups, keeper) for first in firsts]
    return BucketSeries(
        np.concatenate([b.starts for b in blocks]),
        blocks[0].leaves,
        np.concatenate([b.counts for b in blocks], axis=1),
        np.concatenate([b.m1 for b in blocks], axis=1),
        np.concatenate([b.m2 for b in blocks], axis=1),
        np.concatenate([b.hi for b in blocks], axis=1),
        np.concatenate([b.lo for b in blocks], axis=1),
    )


def _series_block(
    table: LeafTable,
    leaves: I64,
    window: Window,
    granularity: Granularity,
    world: WorldParams,
    with_latency: bool,
    combine: I64 | None,
    groups: int,
    keeper: Keeper | None = None,
) -> BucketSeries:
    days = window.day_numbers()
    if keeper is not None and len(leaves):
        return _series_from_cells(table, leaves, window, granularity, world, with_latency, combine, groups, keeper)
    plan = _DayPlan(table, leaves, days, world)
    day_counts = plan.day_counts()  # (L, D)
    if granularity in (Granularity.DAY, Granularity.WEEK):
        return _shaped(_day_buckets(table, leaves, days, plan, day_counts, with_latency), granularity, combine,
                       groups, with_latency)
    hours, lat = _hours_of(plan, day_counts, with_latency)
    return _from_hours(table, leaves, days, hours, lat, granularity, world, with_latency, combine, groups)


def _day_buckets(table: LeafTable, leaves: I64, days: I64, plan: _DayPlan, day_counts: I64,
                 with_latency: bool) -> BucketSeries:
    """Day buckets with their latency moments; hours are split only where latency changes within a day."""
    m1_unit = table.latency_m1[leaves]
    m2_unit = table.latency_m2[leaves]
    f = plan.day_latency
    if with_latency:
        m1 = day_counts * f * m1_unit[:, None]
        m2 = day_counts * f * f * m2_unit[:, None]
        hi = np.where(day_counts > 0, f * m1_unit[:, None], 0.0)
        lo = hi.copy()
    else:
        m1 = m2 = hi = lo = np.zeros(day_counts.shape)
    if with_latency and len(plan.latency_touched_rows[0]):
        rows = plan.latency_touched_rows
        lat = plan.latency_factor(rows)
        hours = plan.hour_counts(day_counts, rows, values=lat)
        m1[rows] = (hours * lat).sum(axis=1) * m1_unit[rows[0]]
        m2[rows] = (hours * lat * lat).sum(axis=1) * m2_unit[rows[0]]
        slowest_factor = np.where(hours > 0, lat, 0.0).max(axis=1)
        fastest_factor = np.where(hours > 0, lat, np.inf).min(axis=1, initial=np.inf)
        hi[rows] = slowest_factor * m1_unit[rows[0]]
        lo[rows] = np.where(np.isfinite(fastest_factor), fastest_factor, 0.0) * m1_unit[rows[0]]
    return BucketSeries(days * 86400, leaves, day_counts, m1, m2, hi, lo)


def _shaped(by_day: BucketSeries, granularity: Granularity, combine: I64 | None, groups: int,
            with_latency: bool) -> BucketSeries:
    result = to_weeks(by_day) if granularity is Granularity.WEEK else by_day
    return combined(result, combine, groups, with_latency=with_latency) if combine is not None else result


# Kept cells -------------------------------------------------------------------------------------------
# Every draw is keyed by (leaf, day, ...), so the draws of any window are the draws of its days, whichever
# window asked first. Cells of every leaf of a table are kept in runs of CELL_DAYS days in the world's bounded
# memo: overlapping windows, every granularity built on days or hours, filtered and unfiltered requests and the
# operations of one family all cut theirs from the same runs. Missing runs of one request are drawn together, in
# one pass: a first request pays one draw, not one per run. A run is a Monday-to-Sunday week (RUN_ANCHOR: day 4,
# 1970-01-05, was a Monday): a calendar week, the week buckets and the weeks a dashboard is most often asked for
# are then one run, where 8-day runs from 1970-01-01 split three weeks in four across two (drawing 16 days for 7).
CELL_DAYS = 7
RUN_ANCHOR = 4


def run_of(day: int) -> int:
    """The number of the kept run holding ``day``."""
    return (day - RUN_ANCHOR) // CELL_DAYS


def run_start(number: int) -> int:
    """The first day of kept run ``number``."""
    return number * CELL_DAYS + RUN_ANCHOR


class Keeper(Protocol):
    """What keeps cells: the world's memo (``World.memo`` and ``World.kept``), and for a window's own figures its
    short-lived memo (``World.briefly``)."""

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...

    def kept(self, key: Hashable) -> Any: ...

    def briefly(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...


@dataclass(frozen=True, slots=True)
class HourLatency:
    """The latency factor of every (leaf, day, hour) of a table's kept hours, held compactly.

    A (leaf, day) has one factor for all its hours (its group's day wobble) unless a bad hour or an effect
    touches it, and few pairs are touched: so one factor per pair, and 24 only for the touched ones. Held densely
    (L, D, 24) these floats were five sixths of a kept run, and the memo kept a sixth as many days.
    """

    day: F64  # (L, D) each pair's factor for all its hours
    touched: I64  # (k,) the touched pairs, ascending, numbered leaf * D + day
    hours: F64  # (k, 24) their 24 factors

    def cut(self, at: slice) -> HourLatency:
        """Days ``at`` (a step-1 slice inside the days held), copied."""
        width = self.day.shape[1]
        first, stop = at.indices(width)[:2]
        day_of = self.touched % width
        inside = (day_of >= first) & (day_of < stop)
        pairs = self.touched[inside] // width * (stop - first) + day_of[inside] - first
        return HourLatency(self.day[:, at].copy(), pairs, self.hours[inside].copy())

    @staticmethod
    def joined(parts: list[HourLatency]) -> HourLatency:
        """Consecutive runs of days as one."""
        if len(parts) == 1:
            return parts[0]
        width = sum(p.day.shape[1] for p in parts)
        offsets = np.cumsum([0] + [p.day.shape[1] for p in parts[:-1]])
        pairs = np.concatenate([p.touched // p.day.shape[1] * width + p.touched % p.day.shape[1] + offset
                                for p, offset in zip(parts, offsets)])
        order = np.argsort(pairs, kind="stable")
        return HourLatency(np.concatenate([p.day for p in parts], axis=1), pairs[order],
                           np.concatenate([p.hours for p in parts])[order])

    def rows(self, leaves: I64) -> F64:
        """The factors of these leaves' (leaf, day) rows, leaf-major, 24 per row (leaves in any order)."""
        width = self.day.shape[1]
        factors = np.repeat(self.day[leaves].reshape(-1, 1), 24, axis=1)
        if len(self.touched):
            touched_leaf = self.touched // width
            low = np.searchsorted(touched_leaf, leaves, side="left")
            many = np.searchsorted(touched_leaf, leaves, side="right") - low
            if many.any():
                position = np.repeat(np.arange(len(leaves)), many)
                entry = np.arange(int(many.sum())) - np.repeat(np.cumsum(many) - many, many) + np.repeat(low, many)
                factors[position * width + self.touched[entry] % width] = self.hours[entry]
        return factors


@dataclass(frozen=True, slots=True)
class HourCells:
    hours: NDArray[np.integer[Any]]  # (L, D, 24) every leaf of the table, in the narrowest integer type that holds them
    latency: HourLatency | None  # None when drawn without latency

    @property
    def nbytes(self) -> int:
        held = (self.latency.day, self.latency.touched, self.latency.hours) if self.latency is not None else ()
        return held_bytes(self.hours, *held)

    def rows(self, leaves: I64) -> tuple[I64, F64]:
        """The leaves' (leaf, day) rows, leaf-major: 24 hour counts and latency factors (ones without latency)."""
        hours = self.hours[leaves].reshape(-1, 24).astype(np.int64, copy=False)
        latency = np.ones(hours.shape) if self.latency is None else self.latency.rows(leaves)
        return hours, latency


def _narrowest(counts: I64) -> NDArray[np.integer[Any]]:
    """Counts in the smallest unsigned type that holds them all (kept runs are mostly small hour counts)."""
    top = int(counts.max()) if counts.size else 0
    for kind in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(kind).max:
            return counts.astype(kind)
    return counts


def day_cells(table: LeafTable, window: Window, world: WorldParams, with_latency: bool,
              keeper: Keeper) -> BucketSeries:
    """Every leaf's day buckets over the window, cut from kept runs."""
    every = np.arange(len(table), dtype=np.int64)

    def draw(span: Window) -> BucketSeries:
        days = span.day_numbers()
        plan = _DayPlan(table, every, days, world)
        return _day_buckets(table, every, days, plan, plan.day_counts(), with_latency)

    def cut(run: BucketSeries, at: slice) -> BucketSeries:
        if not with_latency:  # the moments are zeros: one array of them serves all four (a fifth of the bytes)
            zeros = np.zeros_like(run.m1[:, at])
            return BucketSeries(run.starts[at].copy(), run.leaves, run.counts[:, at].copy(), zeros, zeros, zeros, zeros)
        return BucketSeries(run.starts[at].copy(), run.leaves, run.counts[:, at].copy(), run.m1[:, at].copy(),
                            run.m2[:, at].copy(), run.hi[:, at].copy(), run.lo[:, at].copy())

    runs, first = _runs(("day-cells", table.family, with_latency), window, keeper, draw, cut)
    at = slice(window.first_day - first, window.last_day - first + 1)
    return BucketSeries(np.concatenate([r.starts for r in runs])[at], every,
                        *(np.concatenate([getattr(r, name) for r in runs], axis=1)[:, at]
                          for name in ("counts", "m1", "m2", "hi", "lo")))


def hour_cells(table: LeafTable, window: Window, world: WorldParams, with_latency: bool, keeper: Keeper) -> HourCells:
    """Every leaf's 24 hour counts (and latency factors) of every day of the window, cut from kept runs."""
    every = np.arange(len(table), dtype=np.int64)

    def draw(span: Window) -> HourCells:
        plan = _DayPlan(table, every, span.day_numbers(), world)
        day_counts = plan.day_counts()
        rows = (np.repeat(every, span.days), np.tile(np.arange(span.days), len(every)))
        hours = _narrowest(plan.hour_counts(day_counts, rows)).reshape(len(every), span.days, 24)
        return HourCells(hours, plan.hour_latency() if with_latency else None)

    def cut(run: HourCells, at: slice) -> HourCells:
        return HourCells(run.hours[:, at].copy(), None if run.latency is None else run.latency.cut(at))

    runs, first = _runs(("hour-cells", table.family, with_latency), window, keeper, draw, cut)
    at = slice(window.first_day - first, window.last_day - first + 1)
    latencies = [r.latency for r in runs if r.latency is not None]
    return HourCells(np.concatenate([r.hours for r in runs], axis=1)[:, at],
                     HourLatency.joined(latencies).cut(at) if with_latency else None)


def _runs(kind: tuple[Any, ...], window: Window, keeper: Keeper, draw: Callable[[Window], _Cells],
          cut: Callable[[_Cells, slice], _Cells]) -> tuple[list[_Cells], int]:
    """The kept runs covering the window (drawing the missing ones, each stretch of them in one draw), and
    the first day of the first run. ``cut`` copies: a kept run must not hold its whole stretch alive."""
    numbers = range(run_of(window.first_day), run_of(window.last_day) + 1)
    found = {n: keeper.kept((*kind, n)) for n in numbers}
    missing = [n for n in numbers if found[n] is None]
    for stretch in stretches(missing):
        span = Window(run_start(stretch[0]), run_start(stretch[-1] + 1) - 1)
        drawn = draw(span)
        for i, n in enumerate(stretch):
            part = cut(drawn, slice(i * CELL_DAYS, (i + 1) * CELL_DAYS))
            found[n] = keeper.memo((*kind, n), lambda part=part: part)  # type: ignore[misc]
    return [found[n] for n in numbers], run_start(numbers[0])


def stretches(numbers: list[int]) -> list[list[int]]:
    """Consecutive numbers grouped: [1, 2, 4] -> [[1, 2], [4]]."""
    grouped: list[list[int]] = []
    for n in numbers:
        if grouped and grouped[-1][-1] == n - 1:
            grouped[-1].append(n)
        else:
            grouped.append([n])
    return grouped


def _series_from_cells(table: LeafTable, leaves: I64, window: Window, granularity: Granularity, world: WorldParams,
                       with_latency: bool, combine: I64 | None, groups: int, keeper: Keeper) -> BucketSeries:
    days = window.day_numbers()
    if granularity in (Granularity.DAY, Granularity.WEEK):
        cells = day_cells(table, window, world, with_latency, keeper)
        by_day = BucketSeries(cells.starts, leaves, cells.counts[leaves], cells.m1[leaves], cells.m2[leaves],
                              cells.hi[leaves], cells.lo[leaves])
        return _shaped(by_day, granularity, combine, groups, with_latency)
    hours, lat = hour_cells(table, window, world, with_latency, keeper).rows(leaves)
    return _from_hours(table, leaves, days, hours, lat, granularity, world, with_latency, combine, groups)


def _from_hours(table: LeafTable, leaves: I64, days: I64, hours: I64, lat: F64, granularity: Granularity,
                world: WorldParams, with_latency: bool, combine: I64 | None, groups: int) -> BucketSeries:
    """Hour or minute buckets from the (leaf, day) rows' 24 hour counts and latency factors (rows leaf-major)."""
    n_leaves, n_days = len(leaves), len(days)
    m1_unit = table.latency_m1[leaves]
    m2_unit = table.latency_m2[leaves]
    if granularity is Granularity.HOUR:
        counts = hours.reshape(n_leaves, n_days * 24)
        starts = (days[:, None] * 86400 + np.arange(24)[None, :] * 3600).reshape(-1)
        lat_flat = lat.reshape(n_leaves, n_days * 24)
        if with_latency:
            m1 = counts * lat_flat * m1_unit[:, None]
            m2 = counts * lat_flat * lat_flat * m2_unit[:, None]
            hi = np.where(counts > 0, lat_flat * m1_unit[:, None], 0.0)
            lo = hi
        else:
            m1 = m2 = hi = lo = np.zeros(counts.shape)
        by_hour = BucketSeries(starts, leaves, counts, m1, m2, hi, lo)
        return combined(by_hour, combine, groups, with_latency=with_latency) if combine is not None else by_hour
    return _minutes(table, leaves, days, hours, lat, world, with_latency, combine, groups)


def _hours(table: LeafTable, leaves: I64, window: Window, world: WorldParams, with_latency: bool,
           keeper: Keeper | None = None) -> tuple[I64, F64]:
    """Every (leaf, day) row's 24 hour counts and latency factors, rows leaf-major."""
    if keeper is not None and len(leaves):
        return hour_cells(table, window, world, with_latency, keeper).rows(leaves)
    plan = _DayPlan(table, leaves, window.day_numbers(), world)
    return _hours_of(plan, plan.day_counts(), with_latency)


def _hours_of(plan: _DayPlan, day_counts: I64, with_latency: bool) -> tuple[I64, F64]:
    n_leaves, n_days = day_counts.shape
    rows = (np.repeat(np.arange(n_leaves), n_days), np.tile(np.arange(n_days), n_leaves))
    hours = plan.hour_counts(day_counts, rows)  # (L*D, 24)
    lat = plan.latency_factor(rows) if with_latency else np.ones_like(hours, dtype=np.float64)
    return hours, lat


def _minutes(table: LeafTable, leaves: I64, days: I64, hours: I64, lat: F64, world: WorldParams,
             with_latency: bool, combine: I64 | None, groups: int) -> BucketSeries:
    """Minute buckets of these days from their hours (rows leaf-major, as ``_hours``)."""
    n_leaves, n_days = len(leaves), len(days)
    m1_unit = table.latency_m1[leaves]
    m2_unit = table.latency_m2[leaves]
    hour_numbers = (days[:, None] * 24 + np.arange(24)[None, :]).reshape(-1)  # (D*24,)
    flat_hours = hours.reshape(-1)  # (L*D*24,) row-major leaf, day, hour
    leaf_of_row = np.repeat(np.arange(n_leaves), n_days * 24)
    keys = hash_keys(world.seed, _MINUTE, table.keys[leaves][leaf_of_row], np.tile(hour_numbers, n_leaves))
    starts = (hour_numbers[:, None] * 3600 + np.arange(60)[None, :] * 60).reshape(-1)
    if combine is not None:
        row, part = place_events(flat_hours, keys, 60)
        cell = (combine[leaf_of_row] * (n_days * 24) + np.tile(np.arange(n_days * 24), n_leaves))[row] * 60 + part
        shape = (groups, n_days * 1440)

        def total(per_row: F64 | None = None) -> NDArray[Any]:
            weights = None if per_row is None else per_row[row]
            return np.bincount(cell, weights=weights, minlength=shape[0] * shape[1]).reshape(shape)

        if not with_latency:
            nothing = np.zeros((0, len(starts)))
            return BucketSeries(starts, np.arange(groups), total(), nothing, nothing, nothing, nothing)
        lat_row = lat.reshape(-1)
        mean_row = lat_row * m1_unit[leaf_of_row]
        hi = np.zeros(shape[0] * shape[1])
        np.maximum.at(hi, cell, mean_row[row])
        lo = np.full(shape[0] * shape[1], np.inf)
        np.minimum.at(lo, cell, mean_row[row])
        lo = np.where(np.isfinite(lo), lo, 0.0)
        return BucketSeries(starts, np.arange(groups), total(), total(mean_row),
                            total(lat_row * lat_row * m2_unit[leaf_of_row]), hi.reshape(shape), lo.reshape(shape))
    minutes = scatter_events(flat_hours, keys, 60)  # (L*D*24, 60)
    counts = minutes.reshape(n_leaves, n_days * 1440)
    if with_latency:
        lat_min = np.repeat(lat.reshape(n_leaves, n_days * 24), 60, axis=1)
        m1 = counts * lat_min * m1_unit[:, None]
        m2 = counts * lat_min * lat_min * m2_unit[:, None]
        hi = np.where(counts > 0, lat_min * m1_unit[:, None], 0.0)
        lo = hi
    else:
        m1 = m2 = hi = lo = np.zeros(counts.shape)
    return BucketSeries(starts, leaves, counts, m1, m2, hi, lo)


def combined(buckets: BucketSeries, combine: I64, groups: int, *, with_latency: bool) -> BucketSeries:
    """Rows summed into groups (``combine[i]`` is row i's group); moments too when asked for.

    One running sum per group over its rows, in row order (``accumulate`` is sequential by definition; a
    ``reduce`` may sum pairwise when its axis is contiguous): the same sums, float for float, as adding the rows
    into the group one by one, at a fraction of the cost of ``np.add.at``.
    """
    members = [np.flatnonzero(combine == g) for g in range(groups)]

    def into_groups(values: NDArray[Any]) -> NDArray[Any]:
        out = np.zeros((groups, values.shape[1]), dtype=values.dtype)
        for g, rows in enumerate(members):
            if len(rows):
                out[g] = np.add.accumulate(values[rows], axis=0)[-1]
        return out

    nothing = np.zeros((0, len(buckets.starts)))
    if not with_latency:
        return BucketSeries(buckets.starts, np.arange(groups), into_groups(buckets.counts), nothing, nothing,
                            nothing, nothing)
    hi = np.zeros((groups, buckets.hi.shape[1]))
    lo = np.full((groups, buckets.lo.shape[1]), np.inf)
    lo_rows = np.where(buckets.counts > 0, buckets.lo, np.inf)
    for g, rows in enumerate(members):
        if len(rows):
            np.maximum(hi[g], buckets.hi[rows].max(axis=0), out=hi[g])
            lo[g] = lo_rows[rows].min(axis=0)
    return BucketSeries(buckets.starts, np.arange(groups), into_groups(buckets.counts), into_groups(buckets.m1),
                        into_groups(buckets.m2), hi, np.where(np.isfinite(lo), lo, 0.0))


def to_weeks(by_day: BucketSeries) -> BucketSeries:
    """Week buckets (Monday starts) as sums of the day buckets they hold."""
    weeks = week_starts(by_day.starts // 86400)
    unique_weeks, column = np.unique(weeks, return_inverse=True)
    n = len(unique_weeks)
    first = np.searchsorted(column, np.arange(n))  # days are in order, so each week's days are one run
    lo = np.minimum.reduceat(np.where(by_day.counts > 0, by_day.lo, np.inf), first, axis=1) if n else by_day.lo
    return BucketSeries(unique_weeks * 86400, by_day.leaves, _sum_columns(by_day.counts, column, n),
                        _sum_columns(by_day.m1, column, n), _sum_columns(by_day.m2, column, n),
                        np.maximum.reduceat(by_day.hi, first, axis=1) if n else by_day.hi,
                        np.where(np.isfinite(lo), lo, 0.0))


def _sum_columns(values: NDArray[Any], column: I64, n: int) -> NDArray[Any]:
    out = np.zeros((n, values.shape[0]), dtype=values.dtype)
    np.add.at(out, column, values.T)  # rows of the transpose are the columns to add
    return out.T.copy()
