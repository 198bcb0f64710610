"""An SDK author's test file: the mockserver pytest plugin is all it needs (pip install mockserver)."""

import httpx2 as httpx
import pytest

WEEK = {"start_date": "2026-01-05", "end_date": "2026-01-11", "granularity": "day"}


def test_escalation_rate_in_process(mockserver_client):
    rows = mockserver_client.get("/v1/analytics/sessions/escalation-rate", params=WEEK).json()
    assert len(rows) == 7 and all(0 <= row["escalation_rate_pct"] <= 100 for row in rows)


@pytest.mark.mockserver(scenario="incident", seed=7)
def test_same_numbers_over_a_real_socket(mockserver_url, mockserver_client):
    over_http = httpx.get(mockserver_url + "/v1/analytics/sessions/escalation-rate", params=WEEK,
                          headers={"x-api-key": "any"})
    assert over_http.json() == mockserver_client.get("/v1/analytics/sessions/escalation-rate", params=WEEK).json()
    assert over_http.headers["x-mock-scenario"] == "incident"


@pytest.mark.mockserver(api_keys=["sk-test"])
def test_a_wrong_key_is_refused(mockserver_client):
    assert mockserver_client.get("/v1/agents", headers={"x-api-key": "wrong"}).status_code == 401
