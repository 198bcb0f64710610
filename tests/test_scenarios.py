"""Scenarios, the Prefer header and pinned responses."""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from starlette.testclient import TestClient

from mockserver.analytics import integrations, sessions
from mockserver.analytics.query import AnalyticsQuery
from mockserver.paths import BUNDLED_CONTRACTS, FIXTURES_DIR
from mockserver.pinned import PinnedError, load_pins
from mockserver.settings import Limits
from mockserver.spec.contract import load_contract
from mockserver.world.calendar import Granularity, Window, weekday
from mockserver.world.scenarios import ScenarioError, load_scenarios
from mockserver.world.traffic import series
from mockserver.world.world import WorldBook
from tests import strategies as S
from tests.conftest import make_client

BASE = "/v1/analytics/integrations/"
TUESDAY = {"start_date": "2026-03-03", "end_date": "2026-03-03", "granularity": "hour"}
BOOK = WorldBook(FIXTURES_DIR / "catalog.yaml", load_scenarios(FIXTURES_DIR / "scenarios"))


def _get(client: TestClient, path: str, params: dict[str, str], prefer: str | None = None) -> list | dict:
    headers = {"prefer": prefer} if prefer else {}
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_five_scenarios_are_listed(client: TestClient) -> None:
    listing = client.get("/_mock/scenarios").json()["scenarios"]
    assert [s["name"] for s in listing] == ["baseline", "degraded", "empty", "growth", "incident"]
    assert all(s["description"] for s in listing)


def test_incident_breaks_slack_in_the_outage_hours(client: TestClient) -> None:
    params = {**TUESDAY, "integration_key": "slack"}
    normal = _get(client, BASE + "success-rate-timeseries", params)
    incident = _get(client, BASE + "success-rate-timeseries", params, "scenario=incident")
    for hour in range(14, 18):
        assert normal[hour]["success_rate_pct"] > 95
        assert incident[hour]["success_rate_pct"] < 80
    assert incident[10]["success_rate_pct"] > 95, "outside the outage the integration is healthy"
    monday = {"start_date": "2026-03-02", "end_date": "2026-03-02", "granularity": "hour", "integration_key": "slack"}
    assert _get(client, BASE + "usage-timeseries", monday, "scenario=incident") == \
        _get(client, BASE + "usage-timeseries", monday), "days the incident does not touch are identical"
    slow = _get(client, BASE + "latency-timeseries", params, "scenario=incident")
    base = _get(client, BASE + "latency-timeseries", params)
    assert slow[15]["p95_ms"] > 2 * base[15]["p95_ms"]
    escalations = _get(client, "/v1/analytics/sessions/escalation-rate", TUESDAY, "scenario=incident")
    calm = _get(client, "/v1/analytics/sessions/escalation-rate", TUESDAY)
    assert sum(r["escalated_sessions"] for r in escalations[14:18]) > 1.5 * sum(r["escalated_sessions"] for r in calm[14:18])
    notion = _get(client, BASE + "usage-timeseries", {**TUESDAY, "integration_key": "notion"}, "scenario=incident")
    assert notion == _get(client, BASE + "usage-timeseries", {**TUESDAY, "integration_key": "notion"})


def test_empty_is_a_new_account(client: TestClient) -> None:
    week = {"start_date": "2026-03-02", "end_date": "2026-03-08", "granularity": "day"}
    board = _get(client, BASE + "dashboard", week, "scenario=empty")
    assert all(row["invocations"] == 0 for row in board["usage"]) and len(board["usage"]) == 7
    assert board["by_integration"] == [] and board["error_breakdown"] == []
    assert all(r["total_sessions"] == 0 for r in _get(client, "/v1/analytics/sessions/escalation-rate", week, "scenario=empty"))
    response = client.post("/feedback/stats", auth=("u", "p"), headers={"prefer": "scenario=empty"},
                           json={"project_id": "acme/evals", "start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z",
                                 "metrics": [{"json_path": "output.score"}]})
    assert sum(b["count"] for b in response.json()["buckets"]) == 0


@pytest.mark.parametrize("start, end", [("2025-01-06", "2025-03-30"), ("2026-10-05", "2026-12-27"),
                                        ("2027-10-04", "2027-12-26")])
def test_growth_trends_up_week_over_week(client: TestClient, start: str, end: str) -> None:
    """1.5 % a week on top of the world's own weeks, from 2025 through 2027 (the sandbox's clock sits inside)."""
    window = {"start_date": start, "end_date": end, "granularity": "week"}
    grown = [w["invocations"] for w in _get(client, BASE + "usage-timeseries", window, "scenario=growth")]
    normal = [w["invocations"] for w in _get(client, BASE + "usage-timeseries", window)]
    ratios = [g / n for g, n in zip(grown, normal)]
    assert ratios == sorted(ratios), "each week is further above the world's own than the one before"
    steps = [b / a for a, b in zip(ratios, ratios[1:])]
    assert all(1.005 < step < 1.025 for step in steps), steps
    assert sum(grown) > sum(normal) if start >= "2026-07-06" else sum(grown) < sum(normal)


def test_growth_holds_still_outside_its_three_years(client: TestClient) -> None:
    window = {"start_date": "2028-03-06", "end_date": "2028-04-30", "granularity": "week"}
    grown = [w["invocations"] for w in _get(client, BASE + "usage-timeseries", window, "scenario=growth")]
    normal = [w["invocations"] for w in _get(client, BASE + "usage-timeseries", window)]
    ratios = [g / n for g, n in zip(grown, normal)]
    assert all(abs(r / ratios[0] - 1) < 0.01 for r in ratios) and ratios[0] > 2.5


def test_degraded_is_slow_but_working(client: TestClient) -> None:
    week = {"start_date": "2026-03-02", "end_date": "2026-03-08"}
    slow = _get(client, BASE + "summary", week, "scenario=degraded")[0]
    normal = _get(client, BASE + "summary", week)[0]
    assert slow["current_avg_latency_ms"] > 2 * normal["current_avg_latency_ms"]
    assert 95 < slow["current_success_rate_pct"] < normal["current_success_rate_pct"]


@settings(max_examples=25)
@given(S.seeds, S.integration_queries(), st.sampled_from(["incident", "empty", "growth", "degraded"]))
def test_invariants_hold_inside_every_scenario(seed: int, query: AnalyticsQuery, scenario: str) -> None:
    world = BOOK.get(seed, scenario)
    board = integrations.dashboard(world, query)
    for row in board["usage"]:
        assert row["invocations"] == row["successful"] + row["vendor_errors"] + row["exceptions"]
    for row in board["latency"]:
        assert 0 <= row["p50_ms"] <= row["p90_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
    assert sum(r["invocations"] for r in board["usage"]) == board["summary"][0]["current_invocations"]
    parts = [integrations.usage_rows(world, replace(query, filters={**query.filters, "mode": m}))
             for m in S.catalog_values("mode")]
    whole = integrations.usage_rows(world, replace(query, filters={**query.filters, "mode": None}))
    assert [r["invocations"] for r in whole] == [sum(p[i]["invocations"] for p in parts) for i in range(len(whole))]
    if query.granularity is Granularity.HOUR and query.window.days >= 1:
        day = replace(query, granularity=Granularity.DAY)
        hours = integrations.usage_rows(world, query)
        days = integrations.usage_rows(world, day)
        assert sum(r["invocations"] for r in hours) == sum(r["invocations"] for r in days)
    rows = sessions.escalation_rate_rows(world, AnalyticsQuery(query.window, query.granularity, {"channel": None}))
    assert all(0 <= r["escalated_sessions"] <= r["total_sessions"] for r in rows)


def test_prefer_seed_changes_the_world_and_says_so(client: TestClient) -> None:
    params = {"start_date": "2026-03-02", "end_date": "2026-03-02", "granularity": "day"}
    response = client.get(BASE + "usage-timeseries", params=params, headers={"prefer": "seed=42"})
    assert response.headers["x-mock-seed"] == "42" and response.headers["preference-applied"] == "seed=42"
    default = client.get(BASE + "usage-timeseries", params=params)
    assert default.headers["x-mock-seed"] == "0" and default.headers["x-mock-scenario"] == "baseline"
    assert "preference-applied" not in default.headers
    assert response.json() != default.json()
    with make_client(seed=42) as other:
        assert other.get(BASE + "usage-timeseries", params=params, headers={"x-api-key": "k"}).json() == response.json()


def test_prefer_code_forces_a_documented_status(client: TestClient) -> None:
    params = {"start_date": "2026-03-02", "end_date": "2026-03-02"}
    unauthorized = client.get(BASE + "summary", params=params, headers={"prefer": "code=401"})
    assert unauthorized.status_code == 401 and unauthorized.json()["error"] == "authentication_required"
    assert unauthorized.headers["preference-applied"] == "code=401"
    bad = client.get(BASE + "summary", params=params, headers={"prefer": "code=400"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
    invalid = client.get(BASE + "summary", params=params, headers={"prefer": "code=422"})
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["type"] == "missing"
    undocumented = client.get(BASE + "summary", params=params, headers={"prefer": "code=418"})
    assert undocumented.status_code == 400
    assert "documented: 200, 400, 401, 422 (and, on any operation, the outages 429, 500, 502, 503, 504)" in \
        undocumented.json()["message"]


@pytest.mark.parametrize(("code", "error", "retry_after"), [(429, "rate_limited", "1"), (500, "internal_error", None),
                                                             (502, "bad_gateway", None),
                                                             (503, "service_unavailable", "5"),
                                                             (504, "gateway_timeout", None)])
def test_prefer_forces_outages_on_any_operation(client: TestClient, code: int, error: str,
                                                retry_after: str | None) -> None:
    params = {"start_date": "2026-03-02", "end_date": "2026-03-08"}
    response = client.get(BASE + "summary", params=params, headers={"prefer": f"code={code}"})
    assert response.status_code == code and response.json()["error"] == error
    assert response.headers.get("retry-after") == retry_after
    assert response.headers["preference-applied"] == f"code={code}"
    weave = client.post("/feedback/stats", auth=("u", "p"), headers={"prefer": f"code={code}"},
                        json={"project_id": "p", "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"})
    assert weave.status_code == code and set(weave.json()) == {"reason"}
    if code == 429:
        assert response.json()["message"] == "Organization rate limit exceeded. Retry after a short delay."


def test_validation_errors_win_over_prefer_code(client: TestClient) -> None:
    response = client.get(BASE + "summary", params={"start_date": "nope"}, headers={"prefer": "code=200"})
    assert response.status_code == 422


def test_prefer_example_and_dynamic(client: TestClient) -> None:
    body = {"project_id": "acme/evals", "start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z",
            "metrics": [{"json_path": "output.score"}]}
    named = client.post("/feedback/stats", json=body, auth=("u", "p"), headers={"prefer": "example=no_metrics"})
    assert named.status_code == 200 and named.json()["buckets"] == [] and named.json()["granularity"] == 3600
    static = client.post("/feedback/stats", json=body, auth=("u", "p"), headers={"prefer": "dynamic=false"})
    assert static.json()["buckets"][0]["avg_output_score"] == 0.81, "the first contract example"
    assert static.headers["preference-applied"] == "dynamic=false"
    generated = client.post("/feedback/stats", json=body, auth=("u", "p"), headers={"prefer": "dynamic=true"})
    assert generated.json()["window_stats"]["output_score"]["avg"] != 0.8
    unknown = client.post("/feedback/stats", json=body, auth=("u", "p"), headers={"prefer": "example=nope"})
    assert unknown.status_code == 400 and "hourly_scores" in unknown.json()["reason"]


def test_prefer_delay_is_honoured_and_capped() -> None:
    params = {"start_date": "2026-03-02", "end_date": "2026-03-02"}
    with make_client(limits=Limits(max_delay_ms=120)) as c:
        started = time.perf_counter()
        response = c.get(BASE + "summary", params=params, headers={"x-api-key": "k", "prefer": "delay=100000"})
        assert time.perf_counter() - started >= 0.1
        assert response.headers["preference-applied"] == "delay=120"


@pytest.mark.parametrize("prefer", ["seed=abc", "code=99", "dynamic=sometimes", "delay=-5", "scenario=", "a b c"])
def test_malformed_prefer_is_400(client: TestClient, prefer: str) -> None:
    response = client.get(BASE + "summary", params=TUESDAY, headers={"prefer": prefer})
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


@pytest.mark.parametrize("name", ["nope", "../../etc/passwd", "BASELINE"])
def test_unknown_scenarios_name_the_choices(client: TestClient, name: str) -> None:
    response = client.get(BASE + "summary", params=TUESDAY, headers={"prefer": f"scenario={name}"})
    assert response.status_code == 400
    assert "baseline, degraded, empty, growth, incident" in response.json()["message"]


def test_unknown_preferences_are_ignored(client: TestClient) -> None:
    response = client.get(BASE + "summary", params=TUESDAY, headers={"prefer": "respond-async, wait=10, seed=3"})
    assert response.status_code == 200 and response.headers["preference-applied"] == "seed=3"


def test_pinned_response_is_returned_exactly(client: TestClient) -> None:
    params = {"start_date": "2030-01-01", "end_date": "2030-01-01", "granularity": "day"}
    body = _get(client, "/v1/analytics/sessions/escalation-rate", params)
    assert body == [{"time_bucket": "2030-01-01T00:00:00Z", "total_sessions": 100, "escalated_sessions": 12,
                     "escalation_rate_pct": 12.0}]
    other = _get(client, "/v1/analytics/sessions/escalation-rate", {**params, "channel": "sms"})
    assert other != body, "only matching parameters are pinned"


def test_a_bad_pinned_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "operation: GET /v1/analytics/sessions/escalation-rate\nstatus: 200\nbody: [{time_bucket: 3}]\n")
    contracts = [load_contract(p) for p in BUNDLED_CONTRACTS]
    with pytest.raises(PinnedError, match="broken.yaml"):
        load_pins(tmp_path, contracts)


def test_a_new_scenario_file_works_after_a_restart(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, fixtures)
    (fixtures / "scenarios" / "calcom-down.yaml").write_text(
        "description: Cal.com fails all day, every day.\n"
        "effects:\n"
        "  - family: integrations\n"
        "    select: {integration_key: [calcom]}\n"
        "    always: true\n"
        "    rates: {success: 0}\n")
    with make_client(fixtures=fixtures) as c:
        rows = c.get(BASE + "success-rate-timeseries", params={**TUESDAY, "integration_key": "calcom"},
                     headers={"x-api-key": "k", "prefer": "scenario=calcom-down"}).json()
        assert all(r["success_rate_pct"] == 0.0 for r in rows) and sum(r["invocations"] for r in rows) > 0
        assert "calcom-down" in [s["name"] for s in c.get("/_mock/scenarios").json()["scenarios"]]


def test_a_bad_scenario_file_stops_startup(tmp_path: Path) -> None:
    (tmp_path / "oops.yaml").write_text("effects:\n  - family: nowhere\n    always: true\n")
    with pytest.raises(ScenarioError, match="oops.yaml"):
        load_scenarios(tmp_path)


def _with_scenario(tmp_path: Path, name: str, text: str) -> Path:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, fixtures)
    (fixtures / "scenarios" / f"{name}.yaml").write_text(text)
    return fixtures


def test_fault_rates_fail_a_share_of_requests_the_same_way_every_time(tmp_path: Path) -> None:
    fixtures = _with_scenario(tmp_path, "flaky", "description: Some requests fail.\n"
                                                 "faults:\n  - {status: 503, rate: 0.3}\n  - {status: 429, rate: 0.1}\n")
    targets = [f"/v1/agents?limit={n}" for n in range(1, 201)] + \
              [f"{BASE}success-rate-timeseries?start_date=2026-01-{d:02d}&end_date=2026-01-{d + 1:02d}&granularity=hour"
               for d in range(1, 31)]
    with make_client(fixtures=fixtures) as c:
        flaky = {"x-api-key": "k", "prefer": "scenario=flaky"}
        statuses = [c.get(t, headers=flaky).status_code for t in targets]
        assert [c.get(t, headers=flaky).status_code for t in targets] == statuses, "a request always meets the same fate"
        assert {c.get(t, headers={"x-api-key": "k"}).status_code for t in targets} == {200}, "other scenarios untouched"
        share = {s: statuses.count(s) / len(statuses) for s in (503, 429, 200)}
        assert abs(share[503] - 0.3) < 0.1 and abs(share[429] - 0.1) < 0.07 and abs(share[200] - 0.6) < 0.1
        failing = targets[statuses.index(503)]
        answer = c.get(failing, headers=flaky)
        assert answer.json()["error"] == "service_unavailable" and answer.headers["retry-after"] == "5"
        forced = c.get(failing, headers={"x-api-key": "k", "prefer": "scenario=flaky, code=200"})
        assert forced.status_code == 200, "an explicit Prefer: code= wins over the fault rates"


def test_a_fault_status_outside_the_outages_stops_startup(tmp_path: Path) -> None:
    fixtures = _with_scenario(tmp_path, "teapot", "faults:\n  - {status: 418, rate: 0.5}\n")
    with pytest.raises(ValueError, match="teapot.yaml: fault status 418 is not one of 429, 500, 502, 503, 504"):
        make_client(fixtures=fixtures)
    too_many = _with_scenario(tmp_path / "b", "many", "faults:\n  - {status: 503, rate: 0.7}\n  - {status: 500, rate: 0.7}\n")
    with pytest.raises(ScenarioError, match="add up to at most 1"):
        make_client(fixtures=too_many)


def _unit_volumes(table_counts: NDArray[np.int64], unit: NDArray[np.int64]) -> NDArray[np.int64]:
    out = np.zeros((int(unit.max()) + 1, table_counts.shape[1]), dtype=np.int64)
    np.add.at(out, unit, table_counts)
    return out


@st.composite
def _windows_at(draw: st.DrawFn) -> tuple[Window, Granularity]:
    granularity = draw(st.sampled_from(S.GRANULARITIES))
    return draw(S.windows(S.MAX_DAYS[granularity])), granularity


@settings(max_examples=30, deadline=None)
@given(S.seeds, _windows_at(), st.sampled_from(["incident", "degraded"]), st.sampled_from(["integrations", "sessions", "tools"]))
def test_converting_scenarios_keep_every_volume(seed: int, window_and_granularity: tuple[Window, Granularity],
                                                scenario: str, family: str) -> None:
    """incident and degraded change outcomes, never volume: every unit (a tool and agent, an integration's slug
    and mode, a channel and priority) has the world's own count in every hour (incident) or day (degraded), and
    every bucket the effect does not reach is the world's own, leaf for leaf."""
    window, granularity = window_and_granularity
    world, changed = BOOK.get(seed, "baseline"), BOOK.get(seed, scenario)
    table = getattr(world, family)
    every = np.arange(len(table))
    own = series(table, every, window, granularity, world.params)
    converted = series(getattr(changed, family), every, window, granularity, changed.params)
    own_units, converted_units = _unit_volumes(own.counts, table.unit), _unit_volumes(converted.counts, table.unit)
    # Volume is kept at the effect's resolution (docs/scenarios.md): per hour for incident's afternoons, per day
    # for degraded's whole days; inside that, events are placed anew.
    per_bucket = {Granularity.MINUTE: 60 if scenario == "incident" else 1440,
                  Granularity.HOUR: 1 if scenario == "incident" else 24}.get(granularity, 1)
    own_units, converted_units = (u.reshape(len(u), -1, per_bucket).sum(axis=2) for u in (own_units, converted_units))
    assert (own_units == converted_units).all()
    if scenario == "incident" and granularity in (Granularity.HOUR, Granularity.MINUTE):
        hour = (own.starts // 3600) % 24
        tuesday_afternoon = (weekday(own.starts // 86400) == 1) & (hour >= 14) & (hour < 18)
        assert (own.counts[:, ~tuesday_afternoon] == converted.counts[:, ~tuesday_afternoon]).all()


def test_incident_converts_outcomes_hour_by_hour(client: TestClient) -> None:
    """On an incident Tuesday every hour has the world's own sessions and calls; in 14:00-18:00 more of them
    are escalated or fail."""
    normal = _get(client, "/v1/analytics/sessions/escalation-rate", TUESDAY)
    hit = _get(client, "/v1/analytics/sessions/escalation-rate", TUESDAY, "scenario=incident")
    assert [r["total_sessions"] for r in hit] == [r["total_sessions"] for r in normal]
    assert sum(h["escalated_sessions"] for h in hit[14:18]) > 1.5 * sum(n["escalated_sessions"] for n in normal[14:18])
    assert hit[:14] == normal[:14] and hit[18:] == normal[18:]
    calls = _get(client, BASE + "usage-timeseries", {**TUESDAY, "integration_key": "slack"})
    failing = _get(client, BASE + "usage-timeseries", {**TUESDAY, "integration_key": "slack"}, "scenario=incident")
    assert [r["invocations"] for r in failing] == [r["invocations"] for r in calls]
    assert all(f["vendor_errors"] > 5 * max(c["vendor_errors"], 1) for f, c in zip(failing[14:18], calls[14:18]))
    tools_normal = _get(client, "/v1/analytics/tools/usage/timeseries", TUESDAY)
    tools_hit = _get(client, "/v1/analytics/tools/usage/timeseries", TUESDAY, "scenario=incident")
    assert [r["invocations"] for r in tools_hit] == [r["invocations"] for r in tools_normal]
    assert sum(r["failed"] for r in tools_hit[14:18]) > 2 * sum(r["failed"] for r in tools_normal[14:18])


def test_degraded_keeps_traffic_and_fails_more(client: TestClient) -> None:
    week = {"start_date": "2026-03-02", "end_date": "2026-03-08", "granularity": "day"}
    normal = _get(client, "/v1/analytics/tools/usage/timeseries", week)
    slow = _get(client, "/v1/analytics/tools/usage/timeseries", week, "scenario=degraded")
    assert [r["invocations"] for r in slow] == [r["invocations"] for r in normal]
    assert sum(r["failed"] for r in slow) > 1.1 * sum(r["failed"] for r in normal)


@pytest.mark.parametrize("effect, message", [
    ("{family: tools, always: true, rates: {failed: 2}, outcomes: {failed: 2}}", "not both"),
    ("{family: tools, always: true, outcomes: {'*': 2}}", "'*'"),
    ("{family: tools, ramp: {anchor: '2026-01-05', per_week: 1.1}, outcomes: {failed: 2}}", "a ramp changes volume"),
    ("{family: tools, ramp: {anchor: '2026-01-05', per_week: 1.5}}", "would pass 8x"),
    ("{family: tools, always: true, rate: {failed: 2}}", "unknown effect keys ['rate']"),
])
def test_bad_effects_stop_startup_with_a_reason(tmp_path: Path, effect: str, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(f"description: bad\neffects:\n  - {effect}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenarios(tmp_path)


@settings(max_examples=40, deadline=None)
@given(S.seeds, _windows_at(), st.sampled_from(["incident", "degraded"]),
       st.sampled_from(["integrations", "sessions", "tools"]), st.booleans(), st.data())
def test_a_filtered_selection_draws_exactly_its_share_of_the_unfiltered_one(
        seed: int, window_and_granularity: tuple[Window, Granularity], scenario: str, family: str,
        with_latency: bool, data: st.DataObject) -> None:
    """Converting effects re-draw whole units (a tool and agent's success and failure leaves together), so a
    request filtered to some leaves must see those leaves' rows of the unfiltered request, bucket for bucket,
    whatever else the filter leaves out (a split's draws once depended on the widest unit selected)."""
    window, granularity = window_and_granularity
    world = BOOK.get(seed, scenario)
    table = getattr(world, family)
    every = np.arange(len(table))
    chosen = np.array(sorted(data.draw(st.sets(st.integers(0, len(table) - 1), min_size=1, max_size=6))))
    whole = series(table, every, window, granularity, world.params, with_latency=with_latency)
    part = series(table, chosen, window, granularity, world.params, with_latency=with_latency)
    for name in ("counts", "m1", "m2", "hi", "lo"):
        assert np.array_equal(getattr(part, name), getattr(whole, name)[chosen]), name
