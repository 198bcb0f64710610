"""Long minute series are drawn in blocks of days from one split of the window's hours: they equal the days
drawn one at a time (a bucket never depends on the window or the block it is drawn in)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from mockserver.paths import FIXTURES_DIR
from mockserver.world.calendar import Granularity, Window
from mockserver.world.catalog import load_catalog
from mockserver.world.scenarios import load_scenarios
from mockserver.world.traffic import CELLS_PER_BLOCK, series
from mockserver.world.world import build_world


@pytest.mark.parametrize("scenario", ["baseline", "incident"])
def test_a_long_minute_series_equals_its_days_one_by_one(scenario: str) -> None:
    effects = load_scenarios(FIXTURES_DIR / "scenarios")[scenario].effects
    world = build_world(load_catalog(FIXTURES_DIR / "catalog.yaml"), 7, scenario, effects)
    table = world.sessions
    leaves = np.arange(len(table), dtype=np.int64)
    window = Window.from_dates(dt.date(2026, 1, 1), dt.date(2026, 1, 10))
    assert window.days * 1440 * len(leaves) > CELLS_PER_BLOCK  # drawn in several blocks
    whole = series(table, leaves, window, Granularity.MINUTE, world.params, with_latency=True)
    days = [series(table, leaves, Window(d, d), Granularity.MINUTE, world.params, with_latency=True)
            for d in range(window.first_day, window.last_day + 1)]
    assert np.array_equal(whole.counts, np.concatenate([d.counts for d in days], axis=1))
    assert np.array_equal(whole.m1, np.concatenate([d.m1 for d in days], axis=1))
    assert np.array_equal(whole.starts, np.concatenate([d.starts for d in days]))
