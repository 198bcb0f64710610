"""Issue 17's "done when": a 28-day hourly tools dashboard and a sessions page, plotted side by side, agree on every
number they share, over HTTP as a dashboard would ask for them."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

WINDOW = {"start_date": "2026-02-02", "end_date": "2026-03-01"}  # 28 days, Monday to Sunday
HOURS = 28 * 24
TOOLS = "/v1/analytics/tools/"
SESSIONS = "/v1/analytics/sessions/"


def _get(client: TestClient, path: str, scenario: str, **params: Any) -> Any:
    response = client.get(path, params={**WINDOW, **params}, headers={"prefer": f"scenario={scenario}"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("scenario", ["baseline", "incident"])
def test_a_tools_dashboard_and_a_sessions_page_agree(client: TestClient, scenario: str) -> None:
    def get(path: str, **params: Any) -> Any:
        return _get(client, path, scenario, **params)

    # The tools page: the dashboard and the charts beside it.
    board = get(TOOLS + "dashboard", granularity="hour", top_tools_limit=50)
    [summary] = board["summary"]
    usage = get(TOOLS + "usage/timeseries", granularity="hour")
    performance = get(TOOLS + "performance/timeseries", granularity="hour")
    reliability = get(TOOLS + "reliability/success-rate-timeseries", granularity="hour")
    errors = get(TOOLS + "reliability/error-timeseries", granularity="hour")
    by_tool = get(TOOLS + "usage/by-tool", limit=50)
    assert len(usage) == len(performance) == len(reliability) == HOURS and len(errors) % HOURS == 0
    calls = summary["current_invocations"]
    assert calls == sum(r["invocations"] for r in usage) == sum(r["invocations"] for r in performance)
    assert calls == sum(r["total_invocations"] for r in reliability) == sum(r["invocations"] for r in by_tool)
    assert calls == sum(r["invocations"] for r in get(TOOLS + "usage/by-agent"))
    assert calls == sum(r["invocations"] for r in get(TOOLS + "usage/by-type"))
    assert summary["current_errors"] == sum(r["failed"] for r in usage) == sum(r["count"] for r in errors)
    assert [(t["tool_id"], t["invocations"], t["error_count"], t["success_rate_pct"]) for t in board["top_tools"]] == \
        [(r["tool_id"], r["invocations"], r["failed"], r["success_rate"]) for r in by_tool]
    performance_by_tool = {r["tool_id"]: r for r in get(TOOLS + "performance/by-tool", limit=50)}
    assert all(t["avg_latency_ms"] == performance_by_tool[t["tool_id"]]["avg_ms"] for t in board["top_tools"])
    weighted = sum(r["invocations"] * r["avg_ms"] for r in performance) / calls
    assert abs(weighted - summary["current_avg_latency_ms"]) <= 0.01
    days = get(TOOLS + "performance/timeseries", granularity="day")
    busy = [d for d in days if d["invocations"]]
    assert min(d["p95_ms"] for d in busy) <= summary["current_p95_latency_ms"] <= max(d["p95_ms"] for d in busy)

    # The sessions page: eight operations, one set of sessions.
    escalation = get(SESSIONS + "escalation-rate", granularity="hour")
    volume = get(SESSIONS + "volume-timeseries", granularity="hour")
    assert [r["time_bucket"] for r in escalation] == [r["time_bucket"] for r in usage], "the same hours"
    sessions = sum(r["total_sessions"] for r in escalation)
    assert sessions == sum(r["sessions_created"] for r in volume)
    channels = get(SESSIONS + "by-channel")
    assert sessions == sum(r["total_sessions"] for r in channels)
    assert sum(r["escalated_sessions"] for r in escalation) == sum(r["escalated_sessions"] for r in channels)
    assert sessions == sum(r["session_count"] for r in get(SESSIONS + "status-breakdown"))
    assert sessions == get(SESSIONS + "first-response-time")[0]["total_sessions"]
    assert sessions == get(SESSIONS + "turn-depth")[0]["total_sessions"]
    assert sessions == sum(r["session_count"] for r in get(SESSIONS + "message-distribution"))
    resolved = get(SESSIONS + "resolution-time")
    assert sum(r["resolved_sessions"] for r in resolved) == sum(r["resolved_sessions"] for r in channels)

    # Across the pages: no tool is used in more conversations than there were sessions.
    for row in get(TOOLS + "usage/unique-conversations", limit=50):
        assert row["unique_conversations"] <= sessions
    if scenario == "incident":
        # Tuesday 14:00-18:00: escalations and tool failures rise in the same hours, volumes do not move.
        tuesday = [i for i, r in enumerate(usage) if r["time_bucket"].startswith("2026-02-10T1")
                   and 14 <= int(r["time_bucket"][11:13]) < 18]
        baseline_usage = _get(client, TOOLS + "usage/timeseries", "baseline", granularity="hour")
        baseline_escalation = _get(client, SESSIONS + "escalation-rate", "baseline", granularity="hour")
        assert [r["invocations"] for r in usage] == [r["invocations"] for r in baseline_usage]
        assert [r["total_sessions"] for r in escalation] == [r["total_sessions"] for r in baseline_escalation]
        assert sum(usage[i]["failed"] for i in tuesday) > 2 * sum(baseline_usage[i]["failed"] for i in tuesday)
        assert sum(escalation[i]["escalated_sessions"] for i in tuesday) > \
            1.5 * sum(baseline_escalation[i]["escalated_sessions"] for i in tuesday)
