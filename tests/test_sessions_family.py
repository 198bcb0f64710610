"""The sessions family as one world: all 8 operations count the same sessions (properties over seeds, windows,
filters and scenarios)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.analytics import session_quality as quality
from mockserver.analytics import sessions
from mockserver.analytics.query import AnalyticsQuery
from mockserver.world.calendar import Granularity, Window
from tests import strategies as S

EXAMPLES = settings(deadline=None)
SCENARIOS = st.sampled_from(["baseline", "incident", "growth", "degraded", "empty"])


def _query(window: Window, **filters: str | None) -> AnalyticsQuery:
    return AnalyticsQuery(window, Granularity.DAY, dict(filters))


def _total(world: object, window: Window, channel: str | None = None) -> int:
    return sum(r["total_sessions"] for r in sessions.escalation_rate_rows(world, _query(window, channel=channel)))


@EXAMPLES
@given(S.seeds, S.windows(max_days=60), S.filter_values("channel"), SCENARIOS)
def test_every_operation_counts_the_same_sessions(seed: int, window: Window, channel: str | None, scenario: str) -> None:
    world = S.scenario_world(seed, scenario)
    total = _total(world, window, channel)
    assert quality.first_response_rows(world, _query(window, channel=channel))[0]["total_sessions"] == total
    histogram = quality.message_distribution_rows(world, _query(window, channel=channel, status=None))
    assert sum(r["session_count"] for r in histogram) == total
    status = sessions.status_breakdown_rows(world, _query(window, channel=channel))
    assert sum(r["session_count"] for r in status) == total
    everyone = _total(world, window)
    assert quality.turn_depth_rows(world, _query(window))[0]["total_sessions"] == everyone
    assert sum(r["total_sessions"] for r in quality.by_channel_rows(world, _query(window))) == everyone
    if scenario == "empty":
        assert everyone == 0 and quality.resolution_time_rows(world, _query(window, channel=None, priority=None)) == []


@EXAMPLES
@given(S.seeds, S.windows(max_days=60))
def test_by_channel_agrees_with_the_escalation_series_and_resolution_time(seed: int, window: Window) -> None:
    world = S.world(seed)
    rows = quality.by_channel_rows(world, _query(window))
    for row in rows:
        series = sessions.escalation_rate_rows(world, _query(window, channel=row["channel"]))
        assert row["total_sessions"] == sum(r["total_sessions"] for r in series)
        assert row["escalated_sessions"] == sum(r["escalated_sessions"] for r in series)
        assert row["resolved_sessions"] + row["escalated_sessions"] <= row["total_sessions"]
        groups = quality.resolution_time_rows(world, _query(window, channel=row["channel"], priority=None))
        resolved = sum(g["resolved_sessions"] for g in groups)
        assert row["resolved_sessions"] == resolved
        weighted = sum(g["resolved_sessions"] * g["avg_resolution_seconds"] for g in groups) / resolved / 60
        assert abs(row["avg_resolution_minutes"] - weighted) <= 0.01
        closed = {r["status"]: r["session_count"] for r in sessions.status_breakdown_rows(
            world, _query(window, channel=row["channel"]))}.get("closed", 0)
        assert resolved <= closed, "resolved sessions are closed ones"
    totals = [row["total_sessions"] for row in rows]
    assert totals == sorted(totals, reverse=True)


@EXAMPLES
@given(S.seeds, S.windows(max_days=60), S.filter_values("channel"), S.filter_values("priority"))
def test_resolution_time_rows_are_ordered_and_filtered(seed: int, window: Window, channel: str | None,
                                                       priority: str | None) -> None:
    world = S.world(seed)
    rows = quality.resolution_time_rows(world, _query(window, channel=channel, priority=priority))
    for row in rows:
        assert channel in (None, row["channel"]) and priority in (None, row["priority"])
        assert 0 < row["p50_seconds"] <= row["p90_seconds"] <= row["p95_seconds"] <= row["p99_seconds"]
        assert row["p50_seconds"] <= row["avg_resolution_seconds"] <= row["p99_seconds"]
        assert row["resolved_sessions"] > 0
    everything = quality.resolution_time_rows(world, _query(window, channel=None, priority=None))
    if channel is None and priority is None:
        assert rows == everything
    else:
        assert rows == [r for r in everything if channel in (None, r["channel"]) and priority in (None, r["priority"])]


@EXAMPLES
@given(S.seeds, S.windows(max_days=60), S.filter_values("channel"), S.filter_values("status"))
def test_histogram_buckets_partition_the_sessions(seed: int, window: Window, channel: str | None,
                                                  status: str | None) -> None:
    world = S.world(seed)
    rows = quality.message_distribution_rows(world, _query(window, channel=channel, status=status))
    labels = [label for label, _, _ in world.catalog.session_shape.message_buckets]
    assert [r["bucket"] for r in rows] == labels and [r["bucket_index"] for r in rows] == list(range(len(labels)))
    volume = sessions.volume_rows(world, _query(window, channel=channel, status=status, priority=None))
    total = sum(r["sessions_created"] for r in volume)
    assert sum(r["session_count"] for r in rows) == total
    if total:
        assert abs(sum(r["percentage"] for r in rows) - 100) <= 0.01 * len(rows)


@EXAMPLES
@given(S.seeds, S.windows(max_days=60), S.filter_values("channel"))
def test_summaries_are_ordered(seed: int, window: Window, channel: str | None) -> None:
    world = S.world(seed)
    first = quality.first_response_rows(world, _query(window, channel=channel))[0]
    turns = quality.turn_depth_rows(world, _query(window))[0]
    if first["total_sessions"]:
        assert 0 < first["p50_seconds"] <= first["p90_seconds"] <= first["p95_seconds"]
        assert first["avg_seconds"] > 0
    else:
        assert first == {"total_sessions": 0, "avg_seconds": 0.0, "p50_seconds": 0.0, "p90_seconds": 0.0,
                         "p95_seconds": 0.0}
    if turns["total_sessions"]:
        assert 1 <= turns["p50_turns"] <= turns["p90_turns"] <= turns["p95_turns"]
        assert 1 <= turns["avg_turns_per_session"] and 0 < turns["single_turn_rate_pct"] < 100


def test_incident_shows_in_the_sessions_family() -> None:
    """More sessions are handed to humans on an incident Tuesday, in every operation that counts escalations."""
    window = Window.from_dates(dt.date(2026, 3, 3), dt.date(2026, 3, 3))
    base = quality.by_channel_rows(S.scenario_world(0, "baseline"), _query(window))
    hit = quality.by_channel_rows(S.scenario_world(0, "incident"), _query(window))
    assert sum(r["escalated_sessions"] for r in hit) > sum(r["escalated_sessions"] for r in base)
