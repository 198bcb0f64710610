"""The synthetic world's promises, as properties over seeds, windows, granularities and filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.analytics import integrations, sessions
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import Granularity, Window
from tests import strategies as S

COUNT_FIELDS = {
    "usage": ("invocations", "successful", "vendor_errors", "exceptions"),
    "sessions": ("total_sessions", "escalated_sessions"),
}
EXAMPLES = settings(deadline=None)  # example counts come from the profile (tests/conftest.py)


def _rows_by_bucket(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["time_bucket"]: row for row in rows}


def _parse(label: str) -> dt.datetime:
    return dt.datetime.fromisoformat(label.replace("Z", "+00:00"))


# 1. Determinism (in-process here; across processes in test_determinism.py)
@EXAMPLES
@given(S.seeds, S.integration_queries())
def test_same_query_same_rows(seed: int, query: AnalyticsQuery) -> None:
    first = integrations.dashboard(S.world(seed), query)
    fresh = S.book().__class__(S.book().catalog_path).get(seed, "baseline")  # a world built from scratch
    assert integrations.dashboard(fresh, query) == first


# 2. Window stability
@EXAMPLES
@given(S.seeds, S.integration_queries(), st.data())
def test_bucket_values_do_not_depend_on_the_window(seed: int, query: AnalyticsQuery, data: st.DataObject) -> None:
    window = query.window
    first = window.first_day + data.draw(st.integers(0, window.days - 1))
    last = data.draw(st.integers(first, window.last_day))
    inner = replace(query, window=Window(first, last))
    world = S.world(seed)
    generators: list[Callable[[Any, AnalyticsQuery], list[dict[str, Any]]]] = [
        integrations.usage_rows, integrations.success_rate_rows, integrations.latency_rows]
    for generate in generators:
        outer_rows = _rows_by_bucket(generate(world, query))
        inner_rows = generate(world, inner)
        for row in inner_rows:
            if query.granularity is Granularity.WEEK and not _whole_week_inside(row["time_bucket"], inner.window):
                continue  # an edge week counts only the days inside its window, by design
            assert outer_rows[row["time_bucket"]] == row


def _whole_week_inside(label: str, window: Window) -> bool:
    monday = (_parse(label).date() - dt.date(1970, 1, 1)).days
    return window.first_day <= monday and monday + 6 <= window.last_day


@EXAMPLES
@given(S.seeds, S.session_queries(), st.data())
def test_escalation_buckets_do_not_depend_on_the_window(seed: int, query: AnalyticsQuery, data: st.DataObject) -> None:
    if query.granularity is Granularity.WEEK:
        query = replace(query, granularity=Granularity.DAY)
    window = query.window
    first = window.first_day + data.draw(st.integers(0, window.days - 1))
    inner = replace(query, window=Window(first, window.last_day))
    world = S.world(seed)
    outer_rows = _rows_by_bucket(sessions.escalation_rate_rows(world, query))
    for row in sessions.escalation_rate_rows(world, inner):
        assert outer_rows[row["time_bucket"]] == row


# 3. Granularity additivity
def _coarsen(rows: list[dict[str, Any]], fields: tuple[str, ...],
             bucket: Callable[[dt.datetime], dt.datetime]) -> dict[str, dict[str, int]]:
    sums: dict[str, dict[str, int]] = {}
    for row in rows:
        key = bucket(_parse(row["time_bucket"])).strftime("%Y-%m-%dT%H:%M:%SZ")
        target = sums.setdefault(key, dict.fromkeys(fields, 0))
        for field in fields:
            target[field] += row[field]
    return sums


_TRUNCATE = {
    Granularity.HOUR: lambda t: t.replace(minute=0),
    Granularity.DAY: lambda t: t.replace(hour=0, minute=0),
    Granularity.WEEK: lambda t: (t - dt.timedelta(days=t.weekday())).replace(hour=0, minute=0),
}
_FINER = {Granularity.HOUR: Granularity.MINUTE, Granularity.DAY: Granularity.HOUR, Granularity.WEEK: Granularity.DAY}


@EXAMPLES
@given(S.seeds, st.sampled_from([Granularity.HOUR, Granularity.DAY, Granularity.WEEK]), S.windows(max_days=2),
       st.sampled_from(["integrations", "sessions"]), st.data())
def test_fine_buckets_sum_to_coarse_ones(seed: int, coarse: Granularity, window: Window, family: str,
                                         data: st.DataObject) -> None:
    if coarse is Granularity.WEEK:
        window = Window(window.first_day, window.first_day + data.draw(st.integers(0, 20)))
    world = S.world(seed)
    if family == "integrations":
        filters = {dim: data.draw(S.filter_values(dim)) for dim in ("integration_key", "mode", "slug")}
        generate, fields = integrations.usage_rows, COUNT_FIELDS["usage"]
    else:
        filters = {"channel": data.draw(S.filter_values("channel"))}
        generate, fields = sessions.escalation_rate_rows, COUNT_FIELDS["sessions"]
    fine = generate(world, AnalyticsQuery(window, _FINER[coarse], filters))
    coarse_rows = generate(world, AnalyticsQuery(window, coarse, filters))
    expected = _coarsen(fine, fields, _TRUNCATE[coarse])
    assert [row["time_bucket"] for row in coarse_rows] == sorted(expected)
    for row in coarse_rows:
        assert {f: row[f] for f in fields} == expected[row["time_bucket"]]


# 4. Filter additivity
def _assert_partition(whole: list[dict[str, Any]], parts: list[list[dict[str, Any]]], fields: tuple[str, ...]) -> None:
    """Every count of every bucket of the whole is the sum of the parts' counts."""
    assert all(len(part) == len(whole) for part in parts)
    for i, row in enumerate(whole):
        for field in fields:
            assert row[field] == sum(part[i][field] for part in parts)


@EXAMPLES
@given(S.seeds, S.integration_queries(), st.sampled_from(["integration_key", "mode", "slug"]))
def test_filter_values_partition_the_total(seed: int, query: AnalyticsQuery, dim: str) -> None:
    world = S.world(seed)
    whole = integrations.usage_rows(world, replace(query, filters={**query.filters, dim: None}))
    parts = [integrations.usage_rows(world, replace(query, filters={**query.filters, dim: value}))
             for value in S.catalog_values(dim)]
    _assert_partition(whole, parts, COUNT_FIELDS["usage"])


@EXAMPLES
@given(S.seeds, S.session_queries())
def test_channels_partition_the_sessions(seed: int, query: AnalyticsQuery) -> None:
    world = S.world(seed)
    whole = sessions.escalation_rate_rows(world, replace(query, filters={"channel": None}))
    parts = [sessions.escalation_rate_rows(world, replace(query, filters={"channel": c}))
             for c in S.catalog_values("channel")]
    _assert_partition(whole, parts, COUNT_FIELDS["sessions"])


# 5. Cross-endpoint agreement
@EXAMPLES
@given(S.seeds, S.integration_queries())
def test_dashboard_agrees_with_every_endpoint(seed: int, query: AnalyticsQuery) -> None:
    world = S.world(seed)
    board = integrations.dashboard(world, query)
    assert board["summary"] == integrations.summary_rows(world, query)
    assert board["usage"] == integrations.usage_rows(world, query)
    assert board["success_rate"] == integrations.success_rate_rows(world, query)
    assert board["latency"] == integrations.latency_rows(world, query)
    assert board["by_integration"] == integrations.by_integration_rows(world, query)
    assert board["by_mode"] == integrations.by_mode_rows(world, query)
    assert board["error_breakdown"] == integrations.error_breakdown_rows(world, query)

    unfiltered_key = replace(query, filters={**query.filters, "integration_key": None})
    unfiltered_mode = replace(query, filters={**query.filters, "mode": None})
    usage = integrations.usage_rows(world, query)
    total = sum(row["invocations"] for row in usage)
    failures = sum(row["vendor_errors"] + row["exceptions"] for row in usage)
    assert total == integrations.summary_rows(world, query)[0]["current_invocations"]
    assert failures == integrations.summary_rows(world, query)[0]["current_failures"]
    assert sum(r["count"] for r in integrations.error_breakdown_rows(world, query)) == failures
    assert sum(r["invocations"] for r in integrations.by_integration_rows(world, unfiltered_key)) == \
        sum(row["invocations"] for row in integrations.usage_rows(world, unfiltered_key))
    assert sum(r["invocations"] for r in integrations.by_mode_rows(world, unfiltered_mode)) == \
        sum(row["invocations"] for row in integrations.usage_rows(world, unfiltered_mode))
    success = sum(row["successful"] for row in integrations.success_rate_rows(world, query))
    assert success == total - failures


@EXAMPLES
@given(S.seeds, S.integration_queries())
def test_summary_compares_with_the_window_just_before(seed: int, query: AnalyticsQuery) -> None:
    world = S.world(seed)
    row = integrations.summary_rows(world, query)[0]
    before = replace(query, window=query.window.previous())
    assert row["previous_invocations"] == integrations.summary_rows(world, before)[0]["current_invocations"]
    for name in ("invocations", "failures", "success_rate_pct", "avg_latency_ms", "p95_latency_ms"):
        current, previous, change = row[f"current_{name}"], row[f"previous_{name}"], row[f"pct_change_{name}"]
        if previous == 0:
            assert change is None
        else:
            assert change == round(100 * (current - previous) / previous, 2)


# 6. Row arithmetic
def _rate_matches(rate: float, part: int, whole: int) -> bool:
    if whole == 0:
        return rate == 0.0
    return abs(rate - 100 * part / whole) <= 0.005 + 1e-9


@EXAMPLES
@given(S.seeds, S.integration_queries())
def test_every_integration_row_obeys_the_arithmetic(seed: int, query: AnalyticsQuery) -> None:
    board = integrations.dashboard(S.world(seed), query)
    labels = [row["time_bucket"] for row in board["usage"]]
    assert labels == sorted(set(labels)), "buckets ascend without duplicates"
    assert len(labels) == query.window.bucket_count(query.granularity)
    for row in board["usage"]:
        assert row["invocations"] == row["successful"] + row["vendor_errors"] + row["exceptions"]
        assert all(row[f] >= 0 for f in COUNT_FIELDS["usage"])
    for row in board["success_rate"]:
        assert _rate_matches(row["success_rate_pct"], row["successful"], row["invocations"])
    for row in board["latency"]:
        assert 0 <= row["p50_ms"] <= row["p90_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
        assert 0 <= row["avg_ms"] <= row["max_ms"]
        if row["invocations"] == 0:
            assert row["max_ms"] == 0
    for row in board["by_integration"] + board["by_mode"]:
        assert row["invocations"] == row["successful"] + row["vendor_errors"] + row["exceptions"] > 0
        assert _rate_matches(row["success_rate_pct"], row["successful"], row["invocations"])
    for group in ("by_integration", "by_mode"):
        counts = [row["invocations"] for row in board[group]]
        assert counts == sorted(counts, reverse=True)
    breakdown = board["error_breakdown"]
    assert [r["count"] for r in breakdown] == sorted((r["count"] for r in breakdown), reverse=True)
    if breakdown:
        assert abs(sum(r["share_pct"] for r in breakdown) - 100) <= 0.01 * len(breakdown)


@EXAMPLES
@given(S.seeds, S.session_queries())
def test_every_escalation_row_obeys_the_arithmetic(seed: int, query: AnalyticsQuery) -> None:
    rows = sessions.escalation_rate_rows(S.world(seed), query)
    assert len(rows) == query.window.bucket_count(query.granularity)
    first = dt.datetime.combine(dt.date(1970, 1, 1) + dt.timedelta(days=query.window.first_day), dt.time(),
                                dt.timezone.utc)
    end = first + dt.timedelta(days=query.window.days)
    step = {Granularity.MINUTE: 60, Granularity.HOUR: 3600, Granularity.DAY: 86400, Granularity.WEEK: 604800}
    for row in rows:
        moment = _parse(row["time_bucket"])
        assert moment.timestamp() % step[query.granularity] == (
            345600 if query.granularity is Granularity.WEEK else 0), "aligned (weeks on Mondays)"
        assert moment < end and moment + dt.timedelta(seconds=step[query.granularity]) > first
        assert 0 <= row["escalated_sessions"] <= row["total_sessions"]
        assert _rate_matches(row["escalation_rate_pct"], row["escalated_sessions"], row["total_sessions"])


def test_unknown_filter_values_give_zeros_not_errors() -> None:
    world = S.world(0)
    window = Window.from_dates(dt.date(2026, 1, 5), dt.date(2026, 1, 11))
    query = AnalyticsQuery(window, Granularity.DAY, {"integration_key": "myspace", "mode": None, "slug": None})
    board = integrations.dashboard(world, query)
    assert len(board["usage"]) == 7 and all(row["invocations"] == 0 for row in board["usage"])
    assert board["error_breakdown"] == []
    assert board["summary"][0]["current_invocations"] == 0
    assert board["summary"][0]["pct_change_invocations"] is None
    rows = sessions.escalation_rate_rows(world, AnalyticsQuery(window, Granularity.DAY, {"channel": "fax"}))
    assert [row["total_sessions"] for row in rows] == [0] * 7


@EXAMPLES
@given(S.seeds, S.windows(max_days=2))
def test_latency_moments_add_up_across_granularities(seed: int, window: Window) -> None:
    """Latency is carried as additive moments, so hour moments sum to their day exactly (to float precision)."""
    import numpy as np

    from mockserver.world.traffic import series

    world = S.world(seed)
    table = world.integrations
    leaves = np.arange(len(table))
    minutes = series(table, leaves, window, Granularity.MINUTE, world.params, with_latency=True)
    hours = series(table, leaves, window, Granularity.HOUR, world.params, with_latency=True)
    days = series(table, leaves, window, Granularity.DAY, world.params, with_latency=True)
    for fine, coarse, width in ((minutes, hours, 60), (hours, days, 24)):
        assert np.array_equal(fine.counts.reshape(len(leaves), -1, width).sum(axis=2), coarse.counts)
        assert np.allclose(fine.m1.reshape(len(leaves), -1, width).sum(axis=2), coarse.m1, rtol=1e-9)
        assert np.allclose(fine.m2.reshape(len(leaves), -1, width).sum(axis=2), coarse.m2, rtol=1e-9)


@EXAMPLES
@given(S.seeds, S.windows(max_days=2), st.sampled_from(list(Granularity)), st.integers(1, 4))
def test_grouped_series_equal_the_per_leaf_series_summed(seed: int, window: Window, granularity: Granularity,
                                                         groups: int) -> None:
    """Summing leaves into groups while drawing (how a month at minute stays small) changes no number."""
    import numpy as np

    from mockserver.world.traffic import series

    world = S.world(seed)
    table = world.integrations
    leaves = np.arange(len(table))
    group_of = (leaves * 7919) % groups
    per_leaf = series(table, leaves, window, granularity, world.params, with_latency=True)
    grouped = series(table, leaves, window, granularity, world.params, with_latency=True, combine=group_of,
                     groups=groups)
    counts_only = series(table, leaves, window, granularity, world.params, combine=group_of, groups=groups)
    for g in range(groups):
        mine = group_of == g
        assert np.array_equal(grouped.counts[g], per_leaf.counts[mine].sum(axis=0))
        assert np.allclose(grouped.m1[g], per_leaf.m1[mine].sum(axis=0), rtol=1e-9)
        assert np.allclose(grouped.m2[g], per_leaf.m2[mine].sum(axis=0), rtol=1e-9)
    assert np.array_equal(counts_only.counts, grouped.counts)
    assert grouped.counts.sum() > 0


@EXAMPLES
@given(S.seeds, S.session_queries(), st.sampled_from(["priority", "status"]))
def test_session_volume_agrees_and_partitions(seed: int, query: AnalyticsQuery, dim: str) -> None:
    """Volume per channel adds up to the escalation totals; priorities and statuses partition it."""
    world = S.world(seed)
    plain = {"channel": query.filters["channel"], "status": None, "priority": None}
    volume = sessions.volume_rows(world, replace(query, filters=plain))
    totals = sessions.escalation_rate_rows(world, replace(query, filters={"channel": query.filters["channel"]}))
    per_bucket: dict[str, int] = {}
    for row in volume:
        per_bucket[row["time_bucket"]] = per_bucket.get(row["time_bucket"], 0) + row["sessions_created"]
    assert [per_bucket.get(r["time_bucket"], 0) for r in totals] == [r["total_sessions"] for r in totals]
    values = sorted(set(world.sessions.dims[dim].tolist()))
    parts = [sessions.volume_rows(world, replace(query, filters={**plain, dim: v})) for v in values]
    assert [r["sessions_created"] for r in volume] == [sum(p[i]["sessions_created"] for p in parts)
                                                       for i in range(len(volume))]


@EXAMPLES
@given(S.seeds, S.windows(max_days=60), S.filter_values("channel"))
def test_status_breakdown_covers_the_window(seed: int, window: Window, channel: str | None) -> None:
    world = S.world(seed)
    rows = sessions.status_breakdown_rows(world, AnalyticsQuery(window, Granularity.DAY, {"channel": channel}))
    series_ = sessions.escalation_rate_rows(world, AnalyticsQuery(window, Granularity.DAY, {"channel": channel}))
    assert sum(r["session_count"] for r in rows) == sum(r["total_sessions"] for r in series_)
    if rows:
        assert abs(sum(r["percentage"] for r in rows) - 100) <= 0.01 * len(rows)
        counts = [r["session_count"] for r in rows]
        assert counts == sorted(counts, reverse=True)


def test_modes_have_their_own_latency() -> None:
    """The catalog's mode_latency makes the MCP client slower than the vendor API, so by-mode p95s differ."""
    world = S.world(0)
    window = Window.from_dates(dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    rows = {r["mode"]: r for r in integrations.by_mode_rows(world, AnalyticsQuery(window, Granularity.DAY,
                                                                                 {"integration_key": "notion",
                                                                                  "slug": None}))}
    assert rows["feather_mcp_client"]["p95_latency_ms"] > 1.2 * rows["vendor_api"]["p95_latency_ms"]


@EXAMPLES
@given(S.seeds, S.days, st.sampled_from([Granularity.DAY, Granularity.WEEK]), S.filter_values("integration_key"))
def test_a_window_reports_the_latency_of_the_bucket_that_spans_it(seed: int, day: dt.date, granularity: Granularity,
                                                                  integration_key: str | None) -> None:
    """Summary, grouped rows and the one timeseries bucket covering the same window agree on p95 and avg."""
    start = day - dt.timedelta(days=day.weekday()) if granularity is Granularity.WEEK else day
    end = start + dt.timedelta(days=6 if granularity is Granularity.WEEK else 0)
    query = AnalyticsQuery(Window.from_dates(start, end), granularity,
                           {"integration_key": integration_key, "mode": None, "slug": None})
    world = S.world(seed)
    [bucket] = integrations.latency_rows(world, query)
    [summary] = integrations.summary_rows(world, query)
    assert summary["current_p95_latency_ms"] == bucket["p95_ms"]
    assert summary["current_avg_latency_ms"] == bucket["avg_ms"]
    grouped = {r["integration_key"]: r for r in integrations.by_integration_rows(world, query)}
    if integration_key in grouped:
        assert grouped[integration_key]["p95_latency_ms"] == bucket["p95_ms"]


def test_few_events_give_plausible_latency() -> None:
    """One event: every figure is that event. A handful: no percentile beyond the largest of them."""
    from mockserver.world.latency import latency_stats

    n = np.array([0, 1, 2, 3, 5, 50])
    mean, second = np.array([0.0, 215.0, 300.0, 300.0, 300.0, 300.0]), np.array([0.0, 215.0**2, 3e5, 3e5, 3e5, 3e5])
    stats = latency_stats(n, mean * n, second * n)
    assert (stats.p50[1], stats.p99[1], stats.max[1], stats.avg[1]) == (215.0, 215.0, 215.0, 215.0)
    for i in range(len(n)):
        assert stats.p50[i] <= stats.p90[i] <= stats.p95[i] <= stats.p99[i] <= stats.max[i]
        assert stats.avg[i] <= stats.max[i]
    assert stats.max[0] == 0.0 and stats.p50[0] == 0.0


@settings(max_examples=15)
@given(day=st.dates(dt.date(2025, 1, 1), dt.date(2026, 1, 14)),
       path=st.sampled_from(["/v1/analytics/integrations/latency-timeseries",
                             "/v1/analytics/tools/performance/timeseries"]))
def test_a_day_average_is_the_count_weighted_mean_of_its_hours(client: TestClient, day: dt.date, path: str) -> None:
    window = {"start_date": str(day), "end_date": str(day)}
    (whole,) = client.get(path, params={**window, "granularity": "day"}).json()
    hours = client.get(path, params={**window, "granularity": "hour"}).json()
    assert sum(h["invocations"] for h in hours) == whole["invocations"]
    weighted = sum(h["invocations"] * h["avg_ms"] for h in hours) / max(whole["invocations"], 1)
    assert abs(weighted - whole["avg_ms"]) <= 0.01, (weighted, whole["avg_ms"])
    assert all(h["avg_ms"] <= h["max_ms"] for h in hours + [whole])


PERCENTILES = ("p50_ms", "p90_ms", "p95_ms", "p99_ms")
LATENCY_SERIES = ["/v1/analytics/integrations/latency-timeseries", "/v1/analytics/tools/performance/timeseries"]


def _rolls_up(whole: dict[str, Any], parts: list[dict[str, Any]], *, exact_max: bool = True) -> None:
    """A coarser bucket's max is the largest of its parts' (at least it, when ``exact_max`` is off) and each
    percentile lies between its parts' smallest and largest (a mixture's quantile always does)."""
    busy = [p for p in parts if p["invocations"]]
    assert whole["invocations"] == sum(p["invocations"] for p in parts)
    if not busy:
        assert whole["max_ms"] == 0.0
        return
    largest = max(p["max_ms"] for p in busy)
    assert whole["max_ms"] == largest if exact_max else whole["max_ms"] >= largest, (whole, largest)
    for q in PERCENTILES:
        assert min(p[q] for p in busy) <= whole[q] <= max(p[q] for p in busy), (q, whole, busy)


def _tool_filter(data: st.DataObject) -> dict[str, str]:
    world = S.world(0)
    tool = data.draw(st.sampled_from([t.id for t in world.catalog.tools] + [None]))
    category = data.draw(st.sampled_from([None, "timeout", "rate_limit"]))
    return {k: v for k, v in {"tool_id": tool, "error_category": category}.items() if v}


def _latency_filter(path: str, data: st.DataObject) -> dict[str, str]:
    if "tools" in path:
        return _tool_filter(data)
    key = data.draw(S.filter_values("integration_key"))
    return {"integration_key": key} if key else {}


@settings(max_examples=20, deadline=None)
@given(start=st.dates(dt.date(2024, 1, 1), dt.date(2027, 6, 30)), length=st.integers(1, 16),
       path=st.sampled_from(LATENCY_SERIES), data=st.data())
def test_latency_rolls_up_from_hours_to_days_to_weeks(client: TestClient, start: dt.date, length: int, path: str,
                                                      data: st.DataObject) -> None:
    """Hours -> days -> weeks: max is the largest part's, percentiles lie within the parts', for every filter."""
    window = {"start_date": str(start), "end_date": str(start + dt.timedelta(days=length - 1)),
              **_latency_filter(path, data)}

    def at(granularity: str) -> list[dict[str, Any]]:
        response = client.get(path, params={**window, "granularity": granularity})
        assert response.status_code == 200, response.text
        return response.json()

    hours, days, weeks = at("hour"), at("day"), at("week")
    for i, day in enumerate(days):
        _rolls_up(day, hours[24 * i:24 * i + 24])
    for week in weeks:
        monday = _parse(week["time_bucket"]).date()
        _rolls_up(week, [d for d in days if 0 <= (_parse(d["time_bucket"]).date() - monday).days < 7])


@settings(max_examples=10, deadline=None)
@given(day=st.dates(dt.date(2024, 1, 1), dt.date(2027, 6, 30)), path=st.sampled_from(LATENCY_SERIES),
       data=st.data())
def test_latency_rolls_up_from_minutes_to_hours(client: TestClient, day: dt.date, path: str,
                                                data: st.DataObject) -> None:
    """An hour's max is never below any of its minutes'; where one of its minutes holds two events or more, the
    hour rolls up exactly (docs/world.md: an hour whose every event has a minute to itself is the known gap)."""
    window = {"start_date": str(day), "end_date": str(day), **_latency_filter(path, data)}
    hours = client.get(path, params={**window, "granularity": "hour"}).json()
    minutes = client.get(path, params={**window, "granularity": "minute"}).json()
    for i, hour in enumerate(hours):
        parts = minutes[60 * i:60 * i + 60]
        if any(m["invocations"] >= 2 for m in parts):
            _rolls_up(hour, parts)
        else:
            _rolls_up({**hour, **{q: min(p[q] for p in parts if p["invocations"]) for q in PERCENTILES}}
                      if hour["invocations"] else hour, parts, exact_max=False)


@settings(max_examples=15, deadline=None)
@given(start=st.dates(dt.date(2024, 1, 1), dt.date(2027, 6, 30)), length=st.integers(1, 40), data=st.data())
def test_a_window_lies_within_its_days(client: TestClient, start: dt.date, length: int, data: st.DataObject) -> None:
    """Summaries and grouped rows are spans of their days: p95 within the days', for any window."""
    end = start + dt.timedelta(days=length - 1)
    key = data.draw(S.filter_values("integration_key"))
    window = {"start_date": str(start), "end_date": str(end), **({"integration_key": key} if key else {})}
    days = client.get("/v1/analytics/integrations/latency-timeseries", params={**window, "granularity": "day"}).json()
    (summary,) = client.get("/v1/analytics/integrations/summary", params=window).json()
    busy = [d for d in days if d["invocations"]]
    if busy:
        assert min(d["p95_ms"] for d in busy) <= summary["current_p95_latency_ms"] <= max(d["p95_ms"] for d in busy)
