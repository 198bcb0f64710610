"""Conversations listed for a window are the sessions the analytics count for it, one for one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import NOW

LIST = "/v1/v2/conversations"


def _walk(client: TestClient, limit: int = 200, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(500):
        page = client.get(LIST, params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= limit and page["has_more"] == (page["next_cursor"] is not None)
        items += page["items"]
        if not page["has_more"]:
            return items
        assert len(page["items"]) == limit
        cursor = page["next_cursor"]
    raise AssertionError("the walk did not end")


def _stamp(day: dt.date, hour: int = 0, last: bool = False) -> str:
    return f"{day}T{hour:02d}:{59 if last else 0:02d}:{59 if last else 0:02d}Z"


def _volume(client: TestClient, day: dt.date, granularity: str = "day", **filters: str) -> list[dict[str, Any]]:
    return client.get("/v1/analytics/sessions/volume-timeseries",
                      params={"start_date": str(day), "end_date": str(day), "granularity": granularity, **filters}).json()


@settings(max_examples=8)
@given(day=st.dates(dt.date(2025, 6, 1), dt.date(2026, 1, 14)), channel=st.sampled_from(["voice", "sms", "email"]),
       limit=st.sampled_from([37, 200]))
def test_a_day_lists_exactly_the_sessions_the_volume_counts(client: TestClient, day: dt.date, channel: str,
                                                            limit: int) -> None:
    items = _walk(client, limit, channel=channel, started_after=_stamp(day), started_before=_stamp(day, 23, True))
    counted = sum(row["sessions_created"] for row in _volume(client, day, channel=channel))
    assert len(items) == counted
    assert len({item["id"] for item in items}) == len(items)
    assert all(item["channel"] == channel and item["started_at"].startswith(str(day)) for item in items)
    assert [item["started_at"] for item in items] == sorted((item["started_at"] for item in items), reverse=True)


def test_the_busiest_hour_of_the_chart_holds_its_conversations(client: TestClient) -> None:
    day = dt.date(2026, 1, 13)
    hours = client.get("/v1/analytics/sessions/volume-timeseries", params={
        "start_date": str(day), "end_date": str(day), "granularity": "hour", "channel": "sms"}).json()
    busiest = max(hours, key=lambda row: row["sessions_created"])
    hour = int(busiest["time_bucket"][11:13])
    items = _walk(client, channel="sms", started_after=_stamp(day, hour), started_before=_stamp(day, hour, True))
    assert len(items) == busiest["sessions_created"] > 0
    picked = items[len(items) // 2]
    assert picked["started_at"][:13] == busiest["time_bucket"][:13]
    assert client.get(f"{LIST}/{picked['id']}").json() == picked


def test_status_and_priority_filters_agree_with_the_volume(client: TestClient) -> None:
    day = dt.date(2026, 1, 12)
    for filters in ({"status": "waiting_for_human"}, {"priority": "urgent"}, {"status": "closed", "channel": "sms"}):
        items = _walk(client, started_after=_stamp(day), started_before=_stamp(day, 23, True), **filters)
        assert len(items) == sum(row["sessions_created"] for row in _volume(client, day, **filters))
        assert all(item[k] == v for item in items for k, v in filters.items())


def test_agent_filter_names_catalog_agents_and_partitions_the_day(client: TestClient) -> None:
    day = dt.date(2026, 1, 12)
    window = {"channel": "email", "started_after": _stamp(day), "started_before": _stamp(day, 23, True)}
    everyone = _walk(client, **window)
    agents = [a["id"] for a in client.get("/v1/agents").json()["items"]]
    per_agent = [_walk(client, assigned_agent_id=agent, **window) for agent in agents]
    assert sum(len(items) for items in per_agent) == len(everyone)
    assert all(item["assigned_agent_id"] == agent for agent, items in zip(agents, per_agent) for item in items)


def test_nothing_after_the_clock_and_unknown_ids(client: TestClient) -> None:
    items = client.get(LIST, params={"limit": 5}).json()["items"]
    assert items and all(item["started_at"] <= NOW.strftime("%Y-%m-%dT%H:%M:%SZ") for item in items)
    assert all(item["updated_at"] <= NOW.strftime("%Y-%m-%dT%H:%M:%SZ") for item in items)
    assert client.get(f"{LIST}/00000000-0000-4000-8000-000000000000").status_code == 404
    forged = items[0]["id"][:-1] + ("0" if items[0]["id"][-1] != "0" else "1")
    assert client.get(f"{LIST}/{forged}").status_code == 404
    bad = client.get(LIST, params={"cursor": "AAAA"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor"


def test_the_empty_scenario_lists_nothing(client: TestClient) -> None:
    page = client.get(LIST, headers={"prefer": "scenario=empty"}).json()
    assert page == {"items": [], "next_cursor": None, "has_more": False}


def test_handoffs_are_the_escalated_sessions_the_breakdown_counts() -> None:
    from tests.conftest import make_client

    midnight = dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc)  # the listing's 30 days are whole days
    with make_client(now=midnight) as client:
        client.headers["x-api-key"] = "k"
        breakdown = {row["status"]: row["session_count"] for row in client.get(
            "/v1/analytics/sessions/status-breakdown", params={"start_date": "2025-12-16", "end_date": "2026-01-14"}).json()}
        for handoff_status, session_status in (("requested", "waiting_for_human"), ("accepted", "transferred")):
            items, cursor = [], None
            while True:
                page = client.get("/v1/hitl/handoffs", params={"status": handoff_status, "limit": 200,
                                                               **({"cursor": cursor} if cursor else {})}).json()
                items += page["items"]
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            assert len(items) == breakdown[session_status] > 0
            assert all(item["status"] == handoff_status for item in items)
        first = items[0]
        assert client.get(f"/v1/hitl/handoffs/{first['id']}").json() == first
        assert client.get(f"{LIST}/{first['conversation_id']}").json()["status"] == "transferred"
        assert client.get(f"/v1/hitl/handoffs/{first['conversation_id']}").status_code == 404


def test_answers_that_depend_on_the_wall_clock_are_not_kept() -> None:
    """With the wall clock, the last 30 days move: the listing is recomputed, never served from the reply cache."""
    from tests.conftest import make_client

    with make_client(now=None) as client:
        client.headers["x-api-key"] = "k"
        client.get(LIST, params={"limit": 1})
        kept_before = len(client.app.dispatcher.cache)  # type: ignore[attr-defined]
        client.get(LIST, params={"limit": 1})
        client.get("/v1/agents", params={"limit": 1})
        assert len(client.app.dispatcher.cache) == kept_before  # type: ignore[attr-defined]
    with make_client() as frozen:  # --now: the same request is the same answer, kept
        frozen.headers["x-api-key"] = "k"
        frozen.get(LIST, params={"limit": 1})
        assert len(frozen.app.dispatcher.cache) == 1  # type: ignore[attr-defined]


def test_conversations_follow_the_sessions_distributions() -> None:
    """A day's conversations: two messages per turn, turns averaging what turn-depth reports for that day, and
    resolved sessions lasting what resolution-time reports (medians within sampling error)."""
    import statistics

    from tests.conftest import make_client

    with make_client() as client:
        client.headers["x-api-key"] = "k"
        day = {"start_date": "2026-01-13", "end_date": "2026-01-13"}
        rows, cursor = [], None
        while True:
            params = {"limit": 100, "started_after": "2026-01-13T00:00:00Z", "started_before": "2026-01-13T23:59:59Z",
                      **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/v2/conversations", params=params).json()
            rows += page["items"]
            if not page["has_more"]:
                break
            cursor = page["next_cursor"]
        [depth] = client.get("/v1/analytics/sessions/turn-depth", params=day).json()
        assert len(rows) == depth["total_sessions"]
        assert all(r["message_count"] % 2 == 0 and r["message_count"] >= 2 for r in rows)
        mean_turns = statistics.fmean(r["message_count"] / 2 for r in rows)
        assert abs(mean_turns / depth["avg_turns_per_session"] - 1) < 0.1, (mean_turns, depth)
        api_closed = [r["duration_ms"] / 1000 for r in rows if r["channel"] == "api" and r["status"] == "closed"
                        and r["priority"] == "normal"]
        resolution = {(r["channel"], r["priority"]): r for r in client.get(
            "/v1/analytics/sessions/resolution-time", params={**day, "channel": "api"}).json()}
        median = statistics.median(api_closed)
        assert abs(median / resolution[("api", "normal")]["p50_seconds"] - 1) < 0.25, median


def test_q_and_eval_filter_narrow_the_listing() -> None:
    """``q`` is a case-insensitive substring of the subject or summary; the sandbox world runs no evals, so
    ``eval_filter=no_evals`` is every conversation and the other values none."""
    from tests.conftest import make_client

    with make_client() as client:
        client.headers["x-api-key"] = "k"
        day = {"started_after": "2026-01-13T03:00:00Z", "started_before": "2026-01-13T03:59:59Z", "limit": 200}
        page = client.get("/v1/v2/conversations", params=day).json()
        every = page["items"]
        assert every and not page["has_more"], "one night hour fits one page"

        def text(c: dict) -> str:
            return f"{c.get('subject') or ''} {c.get('summary') or ''}".casefold()

        word = next(w for c in every for w in text(c).split() if len(w) > 3).strip(".")
        found = client.get("/v1/v2/conversations", params={**day, "q": word.upper()}).json()["items"]
        assert found and all(word in text(c) for c in found)
        assert [c["id"] for c in found] == [c["id"] for c in every if word in text(c)]
        assert client.get("/v1/v2/conversations", params={**day, "eval_filter": "no_evals"}).json()["items"] == every
        none = client.get("/v1/v2/conversations", params={**day, "eval_filter": "any_failed"}).json()
        assert none == {"items": [], "next_cursor": None, "has_more": False}
        assert all(c["eval_summary"]["eval_status"] == "none" and c["eval_summary"]["total"] == 0 for c in every)


def _pages(client: TestClient, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every page of a listing, following its cursors (a page may be short where a page's scan budget ends)."""
    pages: list[dict[str, Any]] = []
    cursor = None
    for _ in range(2000):
        page = client.get(LIST, params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= limit and page["has_more"] == (page["next_cursor"] is not None)
        pages.append(page)
        if not page["has_more"]:
            return pages
        cursor = page["next_cursor"]
    raise AssertionError("the walk did not end")


def test_a_page_looks_through_a_bounded_number_of_days(monkeypatch: Any) -> None:
    """A window back to 1970 with a filter that matches nothing it meets: one page looks at SCAN_DAYS days, not
    20,000 (minutes of work on a generation thread before), and says where the next page goes on."""
    from mockserver.paths import FIXTURES_DIR
    from mockserver.resources import conversations
    from mockserver.world.catalog import load_catalog
    from mockserver.world.world import build_world

    world = build_world(load_catalog(FIXTURES_DIR / "catalog.yaml"), 0).forgetful_copy()
    looked: list[int] = []
    real = conversations.day_events
    monkeypatch.setattr(conversations, "day_events", lambda world, leaves, day: looked.append(day) or real(
        world, leaves, day))
    before = int(NOW.timestamp()) - 1
    walk = conversations.Walk(world.sessions.select({}), -2_000_000_000, before, lambda events, i: False)
    found, position = conversations.walk_sessions(world, walk, None, 50)
    today = before // 86400
    assert found == [] and looked == list(range(today, today - conversations.SCAN_DAYS, -1))
    assert position == (today - conversations.SCAN_DAYS, 0)
    looked.clear()
    assert conversations.walk_sessions(world, walk, position, 50) == ([], (today - 2 * conversations.SCAN_DAYS, 0))
    assert looked == list(range(today - conversations.SCAN_DAYS, today - 2 * conversations.SCAN_DAYS, -1))


def test_a_filter_naming_no_one_lists_nothing_without_looking(client: TestClient, monkeypatch: Any) -> None:
    from mockserver.resources import conversations

    monkeypatch.setattr(conversations, "day_events", lambda *_: pytest.fail("no day needs drawing"))
    far = {"started_after": "1900-01-01T00:00:00Z"}
    for params in ({"end_user_id": "e3e70682-c209-2cac-a29f-6fbed82c07cd"},
                   {"assigned_agent_id": "e3e70682-c209-2cac-a29f-6fbed82c07cd"}, {"q": "no conversation says this"}):
        page = client.get(LIST, params={**params, **far}).json()
        assert page == {"items": [], "next_cursor": None, "has_more": False}, params
    monkeypatch.undo()
    someone = client.get("/v1/identity/end-users", params={"limit": 1}).json()["items"][0]["uid"]
    items = client.get(LIST, params={"end_user_id": someone, "limit": 5}).json()["items"]
    assert len(items) == 5 and {item["end_user_id"] for item in items} == {someone}


def test_walking_a_long_window_lists_what_its_months_list(client: TestClient) -> None:
    """Pages of a 75-day window (three page budgets) list, in order, exactly the sessions of its three 25-day
    parts walked one by one (each within one budget, so exact), whatever the page size."""
    agent = client.get("/v1/agents").json()["items"][0]["id"]
    first = dt.date(2025, 10, 1)
    parts = [(first + dt.timedelta(days=25 * k), first + dt.timedelta(days=25 * k + 24)) for k in range(3)]
    expected = [item["id"] for start, end in reversed(parts)
                for item in _walk(client, assigned_agent_id=agent, channel="voice", started_after=_stamp(start),
                                  started_before=_stamp(end, 23, True))]
    assert expected
    for limit in (50, 200):
        pages = _pages(client, limit, assigned_agent_id=agent, channel="voice", started_after=_stamp(parts[0][0]),
                       started_before=_stamp(parts[-1][1], 23, True))
        assert [item["id"] for page in pages for item in page["items"]] == expected
