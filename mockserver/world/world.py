"""The world: catalog + seed + scenario overlays, ready for the generators.

Building one costs a few milliseconds (leaf tables, normalised shapes), so worlds
are cached per (seed, scenario); everything in them is immutable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Hashable

import numpy as np

from mockserver.world.catalog import Catalog, load_catalog
from mockserver.world.effects import Effect
from mockserver.world.leaves import LeafTable, integration_leaves, session_leaves, tool_leaves
from mockserver.world.scenarios import Scenario
from mockserver.world.traffic import WorldParams, held_bytes

__all__ = ["World", "build_world", "WorldBook"]


# For all worlds together, oldest dropped first: what every window shares (the kept runs of days, a day's
# session events), and apart from it the figures of one window (its totals, its series), which a request and the
# next ones of a dashboard page ask for again and again but no other window reuses: kept apart, windows that
# never recur cannot push the runs out.
MEMO_BYTES = 32 << 20
BRIEF_BYTES = 8 << 20


def _nbytes(value: Any) -> int:
    """Approximate size of a derived figure: the numpy arrays it holds (or its own ``nbytes``, when it says); an
    array that is a view counts its whole base, which it keeps alive."""
    if isinstance(value, np.ndarray):
        return held_bytes(value)
    own = getattr(type(value), "nbytes", None)
    if isinstance(own, property):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    slots = getattr(type(value), "__slots__", ())
    return sum(_nbytes(getattr(value, name)) for name in slots if hasattr(value, name))


class Memo:
    """Derived figures of every world, bounded by bytes together and safe to share between generation threads.

    One budget for all worlds: a per-world budget would let ``Prefer: seed=`` with
    many seeds multiply the memory held. Values are computed outside the lock (two
    threads may compute the same figure; the world is deterministic, so both agree).
    """

    def __init__(self, max_bytes: int = MEMO_BYTES) -> None:
        self.entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.size = 0
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any:
        """The figure if it is kept, else None (nothing is computed)."""
        with self._lock:
            found = self.entries.get(key)
        return None if found is None else found[0]

    def keep(self, key: Hashable, value: Any) -> Any:
        """Keep an already computed figure, unless one is kept under ``key``; the kept one."""
        return self.get_or_compute(key, lambda: value)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found[0]
        value = compute()
        size = _nbytes(value)
        with self._lock:
            if key not in self.entries:
                self.entries[key] = (value, size)
                self.size += size
            while self.size > self.max_bytes and len(self.entries) > 1:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped
        return value


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    scenario: str
    catalog: Catalog
    integrations: LeafTable
    sessions: LeafTable
    tools: LeafTable
    params: WorldParams
    _memo: Memo = field(default_factory=Memo, compare=False, repr=False)
    _brief: Memo = field(default_factory=lambda: Memo(BRIEF_BYTES), compare=False, repr=False)

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Remember a derived figure (e.g. a window's totals): the world is immutable, so this is exact.

        Bounded by bytes (``MEMO_BYTES``), not by count: a minute series is a thousand
        times larger than a window's totals. Keys carry the world's seed and scenario,
        because the memo is shared by every world of a :class:`WorldBook`.
        """
        return self._memo.get_or_compute((self.seed, self.scenario, key), compute)

    def kept(self, key: Hashable) -> Any:
        """A figure :meth:`memo` keeps under ``key``, or None if it is not kept (yet)."""
        return self._memo.peek((self.seed, self.scenario, key))

    def briefly(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Remember a figure of one window for the next few requests (``BRIEF_BYTES`` for all worlds, oldest
        first out), apart from :meth:`memo`: e.g. a window's day cells, which every panel of a dashboard and every
        group of a grouped operation asks for, but which windows that never recur must not keep in the memo in
        place of the runs every window is cut from."""
        return self._brief.get_or_compute((self.seed, self.scenario, key), compute)

    def kept_briefly(self, key: Hashable) -> Any:
        """A figure :meth:`briefly` keeps under ``key``, or None if it is not kept (any more)."""
        return self._brief.peek((self.seed, self.scenario, key))

    def forgetful_copy(self) -> World:
        """The same world with an empty memo: what a first request meets (benchmarks measure this)."""
        return replace(self, _memo=Memo(), _brief=Memo(BRIEF_BYTES))


def build_world(catalog: Catalog, seed: int, scenario: str = "baseline", effects: tuple[Effect, ...] = (),
                memo: Memo | None = None, brief: Memo | None = None) -> World:
    hours = np.asarray(catalog.hour_of_day, dtype=np.float64)
    bad = catalog.bad_hours
    params = WorldParams(
        seed=seed,
        weekday=np.asarray(catalog.weekday, dtype=np.float64),
        hour_shape=hours / hours.sum(),
        day_noise=catalog.day_noise,
        bad_hour_probability=bad.probability_per_day,
        bad_hour_rate={"vendor_error": bad.vendor_error_multiplier, "failed": bad.vendor_error_multiplier},
        bad_hour_latency=bad.latency_multiplier,
        effects=effects,
    )
    return World(seed, scenario, catalog, integration_leaves(catalog), session_leaves(catalog), tool_leaves(catalog),
                 params, memo if memo is not None else Memo(), brief if brief is not None else Memo(BRIEF_BYTES))


class WorldBook:
    """Every world the server may be asked for, built on first use."""

    def __init__(self, catalog_path: Path, scenarios: dict[str, Scenario] | None = None) -> None:
        self.catalog_path = catalog_path
        self.catalog = load_catalog(catalog_path)
        self.scenarios = dict(scenarios or {"baseline": Scenario("baseline", "The world as the catalog describes it.")})
        self.memo = Memo()
        self.brief = Memo(BRIEF_BYTES)
        self._get = lru_cache(maxsize=64)(self._build)

    def get(self, seed: int, scenario: str) -> World:
        return self._get(seed, scenario)

    def _build(self, seed: int, scenario: str) -> World:
        return build_world(self.catalog, seed, scenario, self.scenarios[scenario].effects, self.memo,
                           self.brief)
