"""The analytics operations end to end: contract-valid bodies, limits, and agreement over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.settings import Limits
from tests import strategies as S
from tests.contract_schema import response_schema, schema_errors

BASE = "/v1/analytics/integrations/"
OPERATIONS = {
    "/v1/analytics/sessions/escalation-rate": ("granularity", "channel"),
    BASE + "summary": ("integration_key", "mode", "slug"),
    BASE + "usage-timeseries": ("granularity", "integration_key", "mode", "slug"),
    BASE + "success-rate-timeseries": ("granularity", "integration_key", "mode", "slug"),
    BASE + "latency-timeseries": ("granularity", "integration_key", "mode", "slug"),
    BASE + "by-integration": ("mode", "slug"),
    BASE + "by-mode": ("integration_key", "slug"),
    BASE + "error-breakdown": ("integration_key", "mode", "slug"),
    BASE + "dashboard": ("granularity", "integration_key", "mode", "slug"),
}


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(sorted(OPERATIONS)))
    granularity = draw(st.sampled_from(["minute", "hour", "day", "week"]))
    start = draw(S.days)
    length = draw(st.integers(1, S.MAX_DAYS[S.Granularity(granularity)]))
    params = {"start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=length - 1)).isoformat()}
    for name in OPERATIONS[path]:
        if name == "granularity":
            params[name] = granularity
        else:
            value = draw(S.filter_values(name))
            if value is not None:
                params[name] = value
    return path, params


@given(requests())
def test_every_response_conforms_to_the_contract(client: TestClient, request_: tuple[str, dict[str, str]]) -> None:
    path, params = request_
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert schema_errors("feather", response_schema("feather", "GET", path, 200), response.json()) == []


@settings(max_examples=25)  # each example builds two apps; determinism across processes is test_determinism.py
@given(requests())
def test_same_request_same_bytes_with_a_cold_cache(request_: tuple[str, dict[str, str]]) -> None:
    from tests.conftest import make_client

    path, params = request_
    with make_client(limits=Limits(cache_entries=0)) as a:
        first = a.get(path, params=params, headers={"x-api-key": "a"}).content
    with make_client() as b:
        assert b.get(path, params=params, headers={"x-api-key": "b"}).content == first


def test_dashboard_over_http_equals_its_parts(client: TestClient) -> None:
    params = {"start_date": "2026-03-02", "end_date": "2026-03-08", "granularity": "hour", "slug": "send_message"}
    board = client.get(BASE + "dashboard", params=params).json()
    assert board["usage"] == client.get(BASE + "usage-timeseries", params=params).json()
    assert board["latency"] == client.get(BASE + "latency-timeseries", params=params).json()
    assert board["by_mode"] == client.get(BASE + "by-mode", params=params).json()
    assert board["summary"] == client.get(BASE + "summary", params=params).json()
    week_total = sum(row["invocations"] for row in board["usage"])
    assert week_total == board["summary"][0]["current_invocations"] > 0


def test_a_week_of_hourly_traffic_looks_like_a_product(client: TestClient) -> None:
    """Weekday business hours are busy, nights and weekends quiet, and every bucket is present."""
    params = {"start_date": "2026-03-02", "end_date": "2026-03-08", "granularity": "hour"}
    rows = client.get(BASE + "usage-timeseries", params=params).json()
    assert len(rows) == 7 * 24
    by_hour = {row["time_bucket"][:13]: row["invocations"] for row in rows}
    weekday_afternoon = by_hour["2026-03-03T15"]
    weekday_night = by_hour["2026-03-03T03"]
    sunday_afternoon = by_hour["2026-03-08T15"]
    assert weekday_afternoon > 3 * weekday_night
    assert weekday_afternoon > 1.8 * sunday_afternoon


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start_date": "2026-01-10", "end_date": "2026-01-09"}, "start_date must be on or before end_date"),
        ({"start_date": "2020-01-01", "end_date": "2026-01-01"}, "at most 1096 days"),
        ({"start_date": "2026-01-01", "end_date": "2026-02-28", "granularity": "minute"}, "at most 50000 buckets"),
    ],
)
def test_impossible_windows_are_bad_requests(client: TestClient, params: dict[str, str], fragment: str) -> None:
    response = client.get(BASE + "dashboard", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request" and fragment in body["message"]
    assert schema_errors("feather", response_schema("feather", "GET", BASE + "dashboard", 400), body) == []


def test_limits_are_inclusive(client: TestClient) -> None:
    longest = {"start_date": "2024-01-01", "end_date": (dt.date(2024, 1, 1) + dt.timedelta(days=1095)).isoformat(),
               "granularity": "week"}
    assert client.get(BASE + "usage-timeseries", params=longest).status_code == 200
    minutes = {"start_date": "2026-01-01", "end_date": "2026-02-03", "granularity": "minute"}  # 34 days = 48,960
    response = client.get("/v1/analytics/sessions/escalation-rate", params=minutes)
    assert response.status_code == 200 and len(response.json()) == 34 * 1440


def test_granularity_defaults_to_hour(client: TestClient) -> None:
    rows = client.get(BASE + "usage-timeseries", params={"start_date": "2026-01-05", "end_date": "2026-01-05"}).json()
    assert len(rows) == 24 and rows[1]["time_bucket"] == "2026-01-05T01:00:00Z"


def test_extreme_dates_do_not_break_the_server(client: TestClient) -> None:
    for start, end in [("0001-01-01", "0001-01-03"), ("9999-12-29", "9999-12-31")]:
        response = client.get(BASE + "dashboard", params={"start_date": start, "end_date": end, "granularity": "week"})
        assert response.status_code == 200, response.text
        assert schema_errors("feather", response_schema("feather", "GET", BASE + "dashboard", 200), response.json()) == []
