"""The tools family as one world: all 18 operations count the same tool calls (properties over seeds, windows,
filters, granularities and scenarios)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.analytics import tools, tools_dashboard
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import Granularity, Window
from tests import strategies as S

EXAMPLES = settings(deadline=None)
SCENARIOS = st.sampled_from(["baseline", "incident", "growth", "degraded", "empty"])
WIDE = {"limit": 100, "min_invocations": 1, "top_tools_limit": 100, "health_matrix_limit": 200,
        "recent_errors_limit": 100, "latency_ceiling_ms": 5000.0}


def _catalog(dim: str) -> list[str]:
    catalog = S.book().catalog
    if dim == "tool_type":
        return sorted({t.tool_type for t in catalog.tools})
    if dim == "tool_id":
        return [t.id for t in catalog.tools]
    if dim == "agent_id":
        return [a.id for a in catalog.agents]
    if dim == "revision_id":
        return [a.revision_id for a in catalog.agents]
    raise KeyError(dim)


def values(dim: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(_catalog(dim)), st.just("no_such_" + dim))


def _query(window: Window, granularity: Granularity = Granularity.DAY, **filters: Any) -> AnalyticsQuery:
    return AnalyticsQuery(window, granularity, {k: v for k, v in filters.items()}, dict(WIDE))


def _sum(rows: list[dict[str, Any]], field: str) -> int:
    return sum(int(r[field]) for r in rows)


@EXAMPLES
@given(S.seeds, S.windows(max_days=45), SCENARIOS)
def test_every_operation_counts_the_same_calls(seed: int, window: Window, scenario: str) -> None:
    world = S.scenario_world(seed, scenario)
    usage = tools.usage_timeseries(world, _query(window, tool_type=None, tool_id=None, agent_id=None, revision_id=None))
    calls, failed = _sum(usage, "invocations"), _sum(usage, "failed")
    plain = _query(window)
    assert _sum(tools.usage_by_type(world, plain), "invocations") == calls
    assert _sum(tools.usage_by_agent(world, _query(window, tool_id=None, revision_id=None)), "invocations") == calls
    assert _sum(tools.usage_by_tool(world, _query(window, tool_type=None, revision_id=None)), "invocations") == calls
    assert _sum(tools.unique_conversations(world, plain), "invocations") == calls
    assert _sum(tools.performance_by_provider(world, plain), "invocations") == calls
    by_retry = tools.retry_analysis(world, _query(window, tool_id=None, revision_id=None))
    assert _sum(by_retry, "invocations") == calls
    assert _sum(tools.latency_distribution(world, _query(window, tool_id=None, revision_id=None)), "invocations") == calls
    three = _query(window, tool_type=None, tool_id=None, revision_id=None)
    assert _sum(tools.performance_timeseries(world, three), "invocations") == calls
    assert _sum(tools.success_rate_timeseries(world, three), "total_invocations") == calls
    assert _sum(tools.error_breakdown(world, three), "count") == failed
    assert _sum(tools.error_breakdown_by_status(world, three), "count") == failed
    errors = tools.error_timeseries(world, _query(window, tool_id=None, error_category=None, revision_id=None))
    assert _sum(errors, "count") == failed
    trend = tools.error_trend(world, _query(window, tool_id=None, revision_id=None))[0]
    assert trend["current_total"] == calls
    board = tools_dashboard.dashboard(world, _query(window, tool_type=None, revision_id=None))
    summary = board["summary"][0]
    assert summary["current_invocations"] == calls and summary["current_errors"] == failed
    assert summary["previous_invocations"] == trend["previous_total"]
    assert len(board["recent_errors"]) == min(failed if window.days <= 7 else len(board["recent_errors"]), 100)
    if scenario == "empty":
        assert calls == 0 and board["top_tools"] == [] and board["recent_errors"] == []


@EXAMPLES
@given(S.seeds, S.windows(max_days=3), values("tool_type"), values("tool_id"), values("agent_id"))
def test_hours_add_up_to_days_for_any_filter(seed: int, window: Window, tool_type: str | None, tool_id: str | None,
                                            agent_id: str | None) -> None:
    world = S.world(seed)
    filters = {"tool_type": tool_type, "tool_id": tool_id, "agent_id": agent_id, "revision_id": None}
    hours = tools.usage_timeseries(world, _query(window, Granularity.HOUR, **filters))
    days = tools.usage_timeseries(world, _query(window, Granularity.DAY, **filters))
    assert len(days) == window.days and len(hours) == 24 * window.days
    for i, day in enumerate(days):
        part = hours[24 * i:24 * (i + 1)]
        for field in ("invocations", "successful", "failed"):
            assert day[field] == _sum(part, field)
        assert day["invocations"] == day["successful"] + day["failed"]


@EXAMPLES
@given(S.seeds, S.windows(max_days=30), st.sampled_from(["tool_type", "tool_id", "agent_id", "revision_id"]))
def test_filter_values_partition_the_calls(seed: int, window: Window, dim: str) -> None:
    world = S.world(seed)
    none = {"tool_type": None, "tool_id": None, "agent_id": None, "revision_id": None}
    whole = tools.usage_timeseries(world, _query(window, **none))
    parts = [tools.usage_timeseries(world, _query(window, **{**none, dim: v})) for v in _catalog(dim)]
    assert [r["invocations"] for r in whole] == [sum(p[i]["invocations"] for p in parts) for i in range(len(whole))]


@EXAMPLES
@given(S.seeds, S.windows(max_days=30))
def test_a_revision_selects_its_agents_calls(seed: int, window: Window) -> None:
    world = S.world(seed)
    for agent in world.catalog.agents:
        by_agent = tools.usage_by_agent(world, _query(window, tool_id=None, revision_id=agent.revision_id))
        assert [r["agent_id"] for r in by_agent] in ([], [agent.id])
    agents = {a.id for a in world.catalog.agents}
    assert {r["agent_id"] for r in tools.usage_by_agent(world, _query(window, tool_id=None, revision_id=None))} <= agents


@EXAMPLES
@given(S.seeds, S.windows(max_days=30), st.integers(1, 12), st.integers(1, 3000))
def test_rows_obey_their_arithmetic_limits_and_order(seed: int, window: Window, limit: int, floor: int) -> None:
    world = S.world(seed)
    query = AnalyticsQuery(window, Granularity.DAY, {"tool_type": None, "revision_id": None},
                           {"limit": limit, "min_invocations": floor})
    by_tool = tools.usage_by_tool(world, query)
    assert len(by_tool) <= limit and [r["invocations"] for r in by_tool] == sorted((r["invocations"] for r in by_tool),
                                                                                   reverse=True)
    for row in by_tool:
        assert row["invocations"] == row["successful"] + row["failed"]
        assert abs(row["success_rate"] - round(100 * row["successful"] / row["invocations"], 2)) < 1e-9
    slowest = tools.performance_by_tool(world, query)
    assert [r["p95_ms"] for r in slowest] == sorted((r["p95_ms"] for r in slowest), reverse=True)
    for row in slowest:
        assert 0 < row["p50_ms"] <= row["p90_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
        assert row["avg_ms"] <= row["max_ms"]
    ranked = tools.ranking(world, AnalyticsQuery(window, Granularity.DAY, {"tool_type": None},
                                                 {"limit": limit, "min_invocations": floor}))
    assert len(ranked) <= limit and all(r["invocation_count"] >= floor for r in ranked)
    assert [r["success_rate_pct"] for r in ranked] == sorted(r["success_rate_pct"] for r in ranked)
    timeouts = tools.timeout_analysis(world, AnalyticsQuery(window, Granularity.DAY, {"tool_id": None, "revision_id": None},
                                                            {"limit": limit, "min_invocations": floor}))
    for row in timeouts:
        assert row["timeout_count"] <= row["invocation_count"] and row["invocation_count"] >= floor
    shares = [r["share"] for r in tools.retry_analysis(world, _query(window, tool_id=None, revision_id=None))]
    assert not shares or abs(sum(shares) - 100) <= 0.01 * len(shares)


@EXAMPLES
@given(S.seeds, S.windows(max_days=14), values("tool_type"))
def test_dashboard_panels_agree_with_the_standalone_operations(seed: int, window: Window, tool_type: str | None) -> None:
    world = S.world(seed)
    query = _query(window, tool_type=tool_type, revision_id=None)
    board = tools_dashboard.dashboard(world, query)
    # The dashboard measures the tools once for two panels; each panel is what it is alone.
    assert board["top_tools"] == tools_dashboard._top_tools(world, query)
    assert board["health_matrix"] == tools_dashboard._health_matrix(world, query)
    assert board["summary"] == [tools_dashboard._summary(world, query)]
    by_tool = tools.usage_by_tool(world, query)
    assert [(r["tool_id"], r["invocations"], r["error_count"]) for r in board["top_tools"]] == \
        [(r["tool_id"], r["invocations"], r["failed"]) for r in by_tool]
    for row in board["health_matrix"]:
        trend = tools.error_trend(world, _query(window, tool_type=tool_type, tool_id=row["tool_id"], revision_id=None))[0]
        assert (row["current_error_rate"], row["previous_error_rate"], row["error_trend_delta"]) == \
            (trend["current_error_rate"], trend["previous_error_rate"], trend["delta"])
        assert 0 <= row["health_score"] <= 100
    failed_by_tool = {r["tool_id"]: r["failed"] for r in by_tool}
    first = dt.datetime(1970, 1, 1) + dt.timedelta(days=window.first_day)
    end = dt.datetime(1970, 1, 1) + dt.timedelta(days=window.last_day + 1)
    stamps = [r["timestamp"] for r in board["recent_errors"]]
    assert stamps == sorted(stamps, reverse=True)
    for event in board["recent_errors"]:
        assert failed_by_tool.get(event["tool_id"], 0) > 0
        assert first <= dt.datetime.fromisoformat(event["timestamp"].rstrip("Z")) < end
        assert tool_type in (None, event["tool_type"])


@EXAMPLES
@given(S.seeds, S.windows(max_days=30), values("tool_id"))
def test_the_latency_histogram_partitions_the_calls(seed: int, window: Window, tool_id: str | None) -> None:
    world = S.world(seed)
    rows = tools.latency_distribution(world, _query(window, tool_id=tool_id, revision_id=None))
    assert [r["bucket"] for r in rows] == [label for label, _ in tools.LATENCY_BUCKETS]
    calls = tools.usage_timeseries(world, _query(window, tool_type=None, tool_id=tool_id, agent_id=None,
                                                 revision_id=None))
    assert _sum(rows, "invocations") == _sum(calls, "invocations")


def test_incident_reaches_tools_reliability() -> None:
    tuesday = Window.from_dates(dt.date(2026, 3, 3), dt.date(2026, 3, 3))
    slack = next(t.id for t in S.book().catalog.tools if t.provider == "slack")
    query = _query(tuesday, Granularity.HOUR, tool_type=None, tool_id=slack, revision_id=None)
    base = tools.success_rate_timeseries(S.scenario_world(0, "baseline"), query)
    hit = tools.success_rate_timeseries(S.scenario_world(0, "incident"), query)
    assert min(r["success_rate_pct"] for r in hit[14:18]) < min(r["success_rate_pct"] for r in base[14:18]) - 10


@EXAMPLES
@given(S.seeds, S.windows(max_days=30), SCENARIOS)
def test_no_tool_is_used_in_more_conversations_than_there_are_sessions(seed: int, window: Window, scenario: str) -> None:
    from mockserver.analytics import sessions

    world = S.scenario_world(seed, scenario)
    total = sum(r["total_sessions"] for r in sessions.escalation_rate_rows(world, _query(window, channel=None)))
    for row in tools.unique_conversations(world, _query(window)):
        assert 1 <= row["unique_conversations"] <= min(total, row["invocations"]) or total == 0


def test_early_years_are_written_with_four_digits(client: TestClient) -> None:
    """Year 561 is ``0561`` in every timestamp (strftime wrote ``561``, not an RFC 3339 date-time)."""
    board = client.get("/v1/analytics/tools/dashboard", params={"start_date": "0561-01-20", "end_date": "0561-01-20"})
    assert board.status_code == 200
    stamps = [row["timestamp"] for row in board.json()["recent_errors"]]
    assert stamps and all(re.fullmatch(r"0561-01-20T\d\d:\d\d:\d\dZ", s) for s in stamps), stamps
    series = client.get("/v1/analytics/tools/usage/timeseries",
                        params={"start_date": "0561-01-20", "end_date": "0561-01-20", "granularity": "day"}).json()
    assert series[0]["time_bucket"] == "0561-01-20T00:00:00Z"
