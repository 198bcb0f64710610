"""Hypothesis strategies over the world's inputs: seeds, windows, granularities, filters."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from hypothesis import strategies as st

from mockserver.analytics.query import AnalyticsQuery
from mockserver.paths import FIXTURES_DIR
from mockserver.world.calendar import Granularity, Window
from mockserver.world.scenarios import load_scenarios
from mockserver.world.world import World, WorldBook

GRANULARITIES = [g for g in Granularity]
# Longest window per granularity that keeps examples quick.
MAX_DAYS = {Granularity.MINUTE: 2, Granularity.HOUR: 21, Granularity.DAY: 120, Granularity.WEEK: 200}


@lru_cache(maxsize=1)
def book() -> WorldBook:
    return WorldBook(FIXTURES_DIR / "catalog.yaml")


def world(seed: int) -> World:
    return book().get(seed, "baseline")


@lru_cache(maxsize=1)
def scenario_book() -> WorldBook:
    return WorldBook(FIXTURES_DIR / "catalog.yaml", load_scenarios(FIXTURES_DIR / "scenarios"))


def scenario_world(seed: int, scenario: str) -> World:
    return scenario_book().get(seed, scenario)


def catalog_values(dim: str) -> list[str]:
    catalog = book().catalog
    if dim == "integration_key":
        return [i.key for i in catalog.integrations]
    if dim == "mode":
        return sorted({m for i in catalog.integrations for m in i.modes})
    if dim == "slug":
        return sorted({s for i in catalog.integrations for s in i.slugs})
    if dim == "channel":
        return [c.name for c in catalog.channels]
    if dim == "priority":
        return list(catalog.priorities)
    if dim == "status":
        return sorted({s for shares in catalog.statuses.values() for s in shares})
    raise KeyError(dim)


seeds = st.integers(min_value=0, max_value=2**32)
days = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2028, 12, 31))


@st.composite
def windows(draw: st.DrawFn, max_days: int = 60) -> Window:
    start = draw(days)
    length = draw(st.integers(min_value=1, max_value=max_days))
    return Window.from_dates(start, start + dt.timedelta(days=length - 1))


def filter_values(dim: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(catalog_values(dim)), st.just("no_such_" + dim))


@st.composite
def integration_queries(draw: st.DrawFn) -> AnalyticsQuery:
    granularity = draw(st.sampled_from(GRANULARITIES))
    window = draw(windows(MAX_DAYS[granularity]))
    filters = {dim: draw(filter_values(dim)) for dim in ("integration_key", "mode", "slug")}
    return AnalyticsQuery(window, granularity, filters)


@st.composite
def session_queries(draw: st.DrawFn) -> AnalyticsQuery:
    granularity = draw(st.sampled_from(GRANULARITIES))
    window = draw(windows(MAX_DAYS[granularity]))
    return AnalyticsQuery(window, granularity, {"channel": draw(filter_values("channel"))})
