"""Exact error bodies: what a client of the real services would receive."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import API_KEY, BASIC

ESCALATION = "/v1/analytics/sessions/escalation-rate"
WINDOW = {"start_date": "2026-01-05", "end_date": "2026-01-11"}
FEATHER_401 = {
    "error": "authentication_required",
    "message": "No valid API key was provided. Pass your key in the x-api-key header.",
}


def test_missing_required_query_parameter(client: TestClient) -> None:
    response = client.get(ESCALATION, params={"end_date": "2026-01-11"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["query", "start_date"], "msg": "Field required", "input": None}]
    }


def test_pattern_mismatch_carries_the_pattern(client: TestClient) -> None:
    response = client.get(ESCALATION, params={**WINDOW, "granularity": "bogus"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_pattern_mismatch",
            "loc": ["query", "granularity"],
            "msg": "String should match pattern '^(minute|hour|day|week)$'",
            "input": "bogus",
            "ctx": {"pattern": "^(minute|hour|day|week)$"},
        }
    ]


def test_impossible_calendar_date(client: TestClient) -> None:
    response = client.get(ESCALATION, params={"start_date": "2026-02-30", "end_date": "2026-03-01"})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["type"] == "date_from_datetime_parsing"
    assert item["loc"] == ["query", "start_date"]
    assert item["input"] == "2026-02-30"
    assert item["msg"] == "Input should be a valid date or datetime, day value is outside expected range"


def test_all_problems_reported_in_declaration_order(client: TestClient) -> None:
    response = client.get(ESCALATION, params={"granularity": "x", "start_date": "nope"})
    assert response.status_code == 422
    locs = [item["loc"] for item in response.json()["detail"]]
    assert locs == [["query", "granularity"], ["query", "start_date"], ["query", "end_date"]]


def test_start_after_end_is_a_feather_bad_request(client: TestClient) -> None:
    response = client.get(ESCALATION, params={"start_date": "2026-01-11", "end_date": "2026-01-05"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request"
    assert "start_date" in body["message"] and "end_date" in body["message"]


def test_feather_without_key_is_401_before_parameters(keyed_client: TestClient) -> None:
    response = keyed_client.get(ESCALATION)  # no parameters either: auth comes first
    assert response.status_code == 401
    assert response.json() == FEATHER_401


@pytest.mark.parametrize("key", ["wrong", "", "   "])
def test_feather_with_wrong_key_is_401(keyed_client: TestClient, key: str) -> None:
    response = keyed_client.get(ESCALATION, params=WINDOW, headers={"x-api-key": key})
    assert response.status_code == 401
    assert response.json() == FEATHER_401


def test_feather_with_configured_key_is_accepted(keyed_client: TestClient) -> None:
    response = keyed_client.get(ESCALATION, params=WINDOW, headers={"x-api-key": API_KEY})
    assert response.status_code == 200


def test_sandbox_mode_accepts_any_key_but_not_none() -> None:
    from tests.conftest import make_client

    with make_client() as c:
        assert c.get(ESCALATION, params=WINDOW, headers={"x-api-key": "whatever"}).status_code == 200
        assert c.get(ESCALATION, params=WINDOW).status_code == 401


STATS_BODY = {"project_id": "acme/evals", "start": "2026-01-10T00:00:00Z", "end": "2026-01-11T00:00:00Z"}


def test_weave_without_credentials(keyed_client: TestClient) -> None:
    response = keyed_client.post("/feedback/stats", json=STATS_BODY)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Basic"


def test_weave_with_wrong_password(keyed_client: TestClient) -> None:
    response = keyed_client.post("/feedback/stats", json=STATS_BODY, auth=(BASIC[0], "nope"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


def test_weave_with_configured_credentials(keyed_client: TestClient) -> None:
    response = keyed_client.post("/feedback/stats", json=STATS_BODY, auth=BASIC)
    assert response.status_code == 200


def test_malformed_json_body(keyed_client: TestClient) -> None:
    response = keyed_client.post(
        "/feedback/stats", content=b'{"project_id": ', auth=BASIC, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["type"] == "json_invalid"
    assert item["loc"][0] == "body"
    assert item["msg"] == "JSON decode error"


def test_unknown_body_key_is_extra_forbidden(keyed_client: TestClient) -> None:
    response = keyed_client.post("/feedback/stats", json={**STATS_BODY, "colour": "red"}, auth=BASIC)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "extra_forbidden", "loc": ["body", "colour"], "msg": "Extra inputs are not permitted", "input": "red"}
    ]


def test_missing_body_field(keyed_client: TestClient) -> None:
    response = keyed_client.post("/feedback/stats", json={"start": STATS_BODY["start"]}, auth=BASIC)
    assert response.status_code == 422
    assert {"type": "missing", "loc": ["body", "project_id"], "msg": "Field required",
            "input": {"start": STATS_BODY["start"]}} in response.json()["detail"]


def test_unknown_path(client: TestClient) -> None:
    response = client.get("/v1/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_lists_allowed_ones(client: TestClient) -> None:
    response = client.delete(ESCALATION)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET"


def test_body_over_the_limit_is_413(keyed_client: TestClient) -> None:
    big = b'{"project_id": "' + b"x" * (1 << 20) + b'"}'
    response = keyed_client.post("/feedback/stats", content=big, auth=BASIC, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "1048576" in response.json()["reason"]


def test_health_and_contracts_are_served(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    feather = client.get("/openapi/feather.json").json()
    assert feather["info"]["version"] == "1.21.0"
    operations = sum(1 for item in feather["paths"].values() for m in item if m in {"get", "post", "put", "patch", "delete"})
    assert operations == 491
    weave = client.get("/openapi/weave.json").json()
    assert set(weave["paths"]) == {"/feedback/stats", "/feedback/payload_schema"}


def test_cors_answers_local_browsers_only(client: TestClient) -> None:
    params = {"start_date": "2026-01-05", "end_date": "2026-01-05"}
    local = client.get(ESCALATION, params=params, headers={"origin": "http://localhost:5173"})
    assert local.status_code == 200 and local.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "x-mock-seed" in local.headers["access-control-expose-headers"]
    preflight = client.options(ESCALATION, headers={"origin": "http://127.0.0.1:3000",
                                                    "access-control-request-method": "GET",
                                                    "access-control-request-headers": "x-api-key, prefer"})
    assert preflight.status_code == 200
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    foreign = client.get(ESCALATION, params=params, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
