"""Kept cells: a series cut from the world's kept runs of days equals the series drawn for its window alone.

Every draw is keyed by (leaf, day, ...), so this must hold for any window, any
selection of leaves, every granularity and scenario, whichever requests came first
and filled (or partly filled) the runs.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.world import world as world_module
from mockserver.world.calendar import Granularity, Window
from mockserver.world.traffic import CELL_DAYS, RUN_ANCHOR, BucketSeries, day_cells, hour_cells, run_of, run_start, series
from tests import strategies as S

BOOK = S.scenario_book()
FIELDS = ("starts", "counts", "m1", "m2", "hi", "lo")


def _same(a: BucketSeries, b: BucketSeries) -> None:
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.leaves, b.leaves)


@settings(max_examples=60, deadline=None)
@given(
    scenario=st.sampled_from(["baseline", "incident", "degraded", "growth"]),
    family=st.sampled_from(["sessions", "tools", "integrations"]),
    first=st.integers(20_400, 20_500),  # 2025-11 .. 2026-02: scenario effects fall inside
    days=st.integers(1, 40),
    granularity=st.sampled_from([Granularity.HOUR, Granularity.DAY, Granularity.WEEK, Granularity.MINUTE]),
    with_latency=st.booleans(),
    data=st.data(),
)
def test_a_series_cut_from_kept_cells_equals_the_series_drawn_alone(
        scenario: str, family: str, first: int, days: int, granularity: Granularity, with_latency: bool,
        data: st.DataObject) -> None:
    if granularity is Granularity.MINUTE:
        days = min(days, 3)
    world = BOOK.get(3, scenario)  # one memo for every example: runs kept by earlier examples are reused
    table = getattr(world, family)
    leaves = np.array(sorted(data.draw(st.sets(st.integers(0, len(table) - 1), min_size=1, max_size=len(table)))),
                      dtype=np.int64)
    window = Window(first, first + days - 1)
    groups = data.draw(st.integers(0, 3))
    combine = np.array([data.draw(st.integers(0, groups - 1)) for _ in leaves], dtype=np.int64) if groups else None
    alone = series(table, leaves, window, granularity, world.params, with_latency=with_latency, combine=combine,
                   groups=groups)
    kept = series(table, leaves, window, granularity, world.params, with_latency=with_latency, combine=combine,
                  groups=groups, keeper=world)
    _same(alone, kept)


def test_runs_are_aligned_kept_once_and_a_first_request_draws_its_missing_runs_together() -> None:
    world = world_module.build_world(BOOK.catalog, 0, memo=world_module.Memo())
    table = world.tools
    window = Window(20_001, 20_020)  # runs 2856 .. 2859 (Monday-to-Sunday weeks)
    drawn: list[int] = []
    original = world_module.World.memo

    class Counting:
        def memo(self, key, compute):  # type: ignore[no-untyped-def]
            drawn.append(key[-1])
            return original(world, key, compute)

        def kept(self, key):  # type: ignore[no-untyped-def]
            return world.kept(key)

    cells = day_cells(table, window, world.params, True, Counting())
    assert drawn == list(range(run_of(20_001), run_of(20_020) + 1)) == [2856, 2857, 2858, 2859]
    assert cells.counts.shape == (len(table), 20) and cells.starts[0] == 20_001 * 86400
    drawn.clear()
    again = day_cells(table, Window(20_004, 20_010), world.params, True, Counting())
    assert drawn == [], "every run it needs is kept"
    assert np.array_equal(again.counts, cells.counts[:, 3:10])
    hours = hour_cells(table, Window(20_004, 20_004), world.params, False, world)
    assert hours.latency is None and np.array_equal(hours.hours.sum(axis=2)[:, 0], cells.counts[:, 3])


@settings(max_examples=40, deadline=None)
@given(
    scenario=st.sampled_from(["baseline", "incident", "degraded"]),
    family=st.sampled_from(["sessions", "tools", "integrations"]),
    first=st.integers(20_400, 20_500),
    split=st.integers(1, 15),
    data=st.data(),
)
def test_compact_hour_latency_gives_every_factor_the_plan_gives(scenario: str, family: str, first: int, split: int,
                                                                  data: st.DataObject) -> None:
    """Kept hour runs hold one latency factor per (leaf, day) and 24 only where a bad hour or an effect touches
    the day: for any leaves (any order, repeats), cut and joined at any day, the factors are the dense ones."""
    from mockserver.world.traffic import HourLatency, _DayPlan

    world = BOOK.get(5, scenario)
    table = getattr(world, family)
    every = np.arange(len(table), dtype=np.int64)
    days = np.arange(first, first + 16, dtype=np.int64)
    plan = _DayPlan(table, every, days, world.params)
    compact = plan.hour_latency()
    leaves = np.array(data.draw(st.lists(st.integers(0, len(table) - 1), min_size=1, max_size=12)), dtype=np.int64)
    rows = (np.repeat(leaves, len(days)), np.tile(np.arange(len(days)), len(leaves)))
    dense = plan.latency_factor(rows)
    assert np.array_equal(compact.rows(leaves), dense)
    rejoined = HourLatency.joined([compact.cut(slice(0, split)), compact.cut(slice(split, 16))])
    assert np.array_equal(rejoined.rows(leaves), dense)
    middle = compact.cut(slice(split // 2, split))
    assert np.array_equal(middle.rows(leaves), dense.reshape(len(leaves), 16, 24)[:, split // 2:split].reshape(-1, 24))


def test_a_year_of_every_familys_hour_runs_fits_in_a_quarter_of_the_memo() -> None:
    """Hour counts are kept in the narrowest integer type and latency factors compactly, so the memo holds years
    of runs (dense, int32 counts and float64 factors, a year of the three families took 25 MB)."""
    world = world_module.build_world(BOOK.catalog, 0, memo=world_module.Memo())
    year = Window(20_454, 20_818)  # 2026
    for family in ("sessions", "tools", "integrations"):
        hour_cells(getattr(world, family), year, world.params, True, world)
    kept = [size for key, (_, size) in world._memo.entries.items() if key[2][0] == "hour-cells"]
    assert len(kept) == 3 * (run_of(year.last_day) - run_of(year.first_day) + 1)
    assert sum(kept) < world_module.MEMO_BYTES // 4


def test_a_windows_own_figures_are_kept_briefly_and_the_memo_keeps_only_what_windows_share() -> None:
    """A dashboard's window totals (with their day cells) and series are kept in the brief memo; the memo holds
    only runs, which every window is cut from."""
    from mockserver.analytics import integrations
    from mockserver.analytics.query import AnalyticsQuery

    world = world_module.build_world(BOOK.catalog, 0, memo=world_module.Memo())
    query = AnalyticsQuery(Window(20_454, 20_483), Granularity.DAY, {"integration_key": None, "mode": None,
                                                                      "slug": None})
    first = integrations.dashboard(world, query)
    assert {key[2][0] for key in world._memo.entries} == {"day-cells"}
    brief = {key[2][0]: value for key, (value, _) in world._brief.entries.items()}
    assert set(brief) == {"integrations-totals", "integrations-series"}
    totals = [value for key, (value, _) in world._brief.entries.items() if key[2][0] == "integrations-totals"]
    assert {t.days.starts[0] // 86400 for t in totals} == {query.window.first_day, query.window.previous().first_day}
    assert integrations.dashboard(world, query) == first


def test_a_windows_brief_figures_never_push_the_memos_runs_out() -> None:
    """Windows that never recur fill only the brief memo (8 MiB, oldest first out); the runs stay kept."""
    from mockserver.analytics import integrations
    from mockserver.analytics.query import AnalyticsQuery

    world = world_module.build_world(BOOK.catalog, 0, memo=world_module.Memo())
    no_filter = {"integration_key": None, "mode": None, "slug": None}
    firsts = range(20_000, 20_000 + 300, 3)  # 100 distinct 30-day windows over the same ten months
    for first in firsts:
        integrations.summary_rows(world, AnalyticsQuery(Window(first, first + 29), Granularity.DAY, no_filter))
    runs = [key for key in world._memo.entries if key[2][0] == "day-cells"]
    first_day, last_day = firsts[0] - 30, firsts[-1] + 29  # the first previous window .. the last window
    assert len(runs) == run_of(last_day) - run_of(first_day) + 1, "every run drawn once and still kept"
    assert world._brief.size <= world_module.BRIEF_BYTES and len(world._brief.entries) < 100


@settings(max_examples=40, deadline=None)
@given(scenario=st.sampled_from(["baseline", "incident"]), first=st.integers(20_400, 20_500), days=st.integers(1, 40),
       data=st.data())
def test_figures_asked_together_are_the_figures_asked_alone(scenario: str, first: int, days: int,
                                                            data: st.DataObject) -> None:
    """A dashboard computes its panels' window latency in one pass (``window_figures_of``); each panel's figures
    must be the very floats it gets alone."""
    from mockserver.analytics.measures import FigureAsk, window_figures, window_figures_of

    world = BOOK.get(3, scenario)
    table = world.integrations
    window = Window(first, first + days - 1)
    asks = []
    for span in (window, window.previous(), window):
        cells = day_cells(table, span, world.params, True, world)
        rows = np.array(sorted(data.draw(st.sets(st.integers(0, len(table) - 1), min_size=1))), dtype=np.int64)
        groups = data.draw(st.integers(1, 4))
        group = np.array([data.draw(st.integers(0, groups - 1)) for _ in rows], dtype=np.int64) if groups > 1 else None
        asks.append(FigureAsk(cells, rows, span, group, groups))
    together = window_figures_of(asks, world.seed)
    for ask, stats in zip(asks, together):
        alone = window_figures(ask.days, ask.rows, world.seed, ask.window, ask.group, ask.groups)
        for name in ("percentiles", "avg", "max"):
            assert getattr(stats, name).tobytes() == getattr(alone, name).tobytes(), name


def test_a_run_is_a_monday_to_sunday_week() -> None:
    """Calendar weeks (and week buckets) are one kept run each: a Monday-to-Sunday dashboard draws 7 days, not
    the 16 two 8-day runs from 1970-01-01 held."""
    import datetime as dt

    epoch = dt.date(1970, 1, 1)
    assert CELL_DAYS == 7 and (epoch + dt.timedelta(days=RUN_ANCHOR)).weekday() == 0
    for monday in (dt.date(2026, 3, 2), dt.date(2024, 12, 30), dt.date(1970, 1, 5)):
        first, last = (monday - epoch).days, (monday - epoch).days + 6
        assert run_of(first) == run_of(last) and run_start(run_of(first)) == first
        assert run_of(first - 1) == run_of(first) - 1
