"""openapi-core as an oracle: it and the sandbox's compiled validators agree on what is valid.

The sandbox validates with per-operation validators built from the contract (openapi-core
costs ~2 ms a request and cannot produce FastAPI's error items); this checks that
both accept and reject the same requests, and that openapi-core accepts the
sandbox's responses.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from starlette.testclient import TestClient

from tests.contract_schema import contract_document

FEATHER = OpenAPI.from_dict(contract_document("feather"))
WEAVE = OpenAPI.from_dict(contract_document("weave"))
HOST = "http://localhost:8000"

dates = st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(["2026-02-30", "2026-13-01", "yesterday", "",
                                                                           "2026-1-5", "20260105"]))
granularities = st.one_of(st.sampled_from(["minute", "hour", "day", "week"]), st.text(max_size=6))
PATHS = ["/v1/analytics/sessions/escalation-rate", "/v1/analytics/integrations/dashboard",
         "/v1/analytics/integrations/by-integration", "/v1/analytics/integrations/summary"]


def _core_accepts(api: OpenAPI, request: MockRequest) -> bool:
    try:
        api.validate_request(request)
    except Exception:  # any openapi-core validation error
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATHS), st.dictionaries(st.sampled_from(["start_date", "end_date"]), dates),
       st.one_of(st.none(), granularities), st.one_of(st.none(), st.text(min_size=1, max_size=8)))
# An empty filter (``?channel=``) is a valid string to FastAPI and the sandbox; openapi-core rejects
# empty values (OpenAPI's allowEmptyValue). The sandbox follows the real service there.
def test_query_validation_agrees(client: TestClient, path: str, window: dict[str, str], granularity: str | None,
                                 channel: str | None) -> None:
    params = dict(window)
    if granularity is not None and "by-integration" not in path and "summary" not in path:
        params["granularity"] = granularity
    if channel is not None:
        params["mode" if "integrations" in path else "channel"] = channel
    ours = client.get(path, params=params).status_code != 422
    core = _core_accepts(FEATHER, MockRequest(HOST, "get", path, args=params, headers={"x-api-key": "k"}))
    assert ours == core, (path, params)


metric = st.fixed_dictionaries({"json_path": st.one_of(st.just("output.score"), st.integers())}, optional={
    "value_type": st.sampled_from(["numeric", "boolean", "categorical", "ratio"]),
    "aggregations": st.lists(st.sampled_from(["avg", "sum", "count_true", "average"]), max_size=3),
    "percentiles": st.lists(st.one_of(st.floats(0, 100), st.text(max_size=2)), max_size=2),
})
bodies = st.fixed_dictionaries({}, optional={
    "project_id": st.one_of(st.just("acme/evals"), st.integers()),
    "start": st.sampled_from(["2026-01-05T00:00:00Z", "2026-01-05", "2026-01-05T00:00:00+02:00", "soon"]),
    "end": st.sampled_from([None, "2026-01-06T00:00:00Z", 5]),
    "granularity": st.one_of(st.none(), st.integers(0, 10_000), st.just("hourly")),
    "metrics": st.lists(metric, max_size=2),
    "colour": st.just("red"),
})


@settings(max_examples=150, deadline=None)
@given(bodies)
def test_body_validation_agrees(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/feedback/stats", json=body, auth=("u", "p"))
    ours = not (response.status_code == 422 and response.json()["detail"][0]["msg"].find("Feedback request") < 0)
    core = _core_accepts(WEAVE, MockRequest(HOST, "post", "/feedback/stats", data=json.dumps(_as_read(body)).encode(),
                                            headers={"authorization": "Basic dTpw"}))
    assert ours == core, (body, response.text)


def _as_read(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the service's types read it, for openapi-core: a number where a date-time goes is a Unix
    timestamp to pydantic's lax mode (FastAPI's, and the sandbox's: docs/validation.md), so ``"end": 5`` is
    ``1970-01-01T00:00:05Z``; openapi-core knows only the JSON type."""
    read = dict(body)
    for key in ("start", "end"):
        if isinstance(read.get(key), (int, float)) and not isinstance(read[key], bool):
            read[key] = dt.datetime.fromtimestamp(read[key], dt.timezone.utc).isoformat()
    return read


def test_openapi_core_accepts_the_sandbox_responses(client: TestClient) -> None:
    params = {"start_date": "2026-03-02", "end_date": "2026-03-08", "granularity": "day"}
    for path in PATHS:
        request = MockRequest(HOST, "get", path, args=params, headers={"x-api-key": "k"})
        response = client.get(path, params=params)
        FEATHER.validate_response(request, MockResponse(response.content, status_code=200))
    body = {"project_id": "acme/evals", "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z",
            "metrics": [{"json_path": "output.score", "percentiles": [50]}]}
    request = MockRequest(HOST, "post", "/feedback/stats", data=json.dumps(body).encode(),
                          headers={"authorization": "Basic dTpw"})
    response = client.post("/feedback/stats", json=body, auth=("u", "p"))
    WEAVE.validate_response(request, MockResponse(response.content, status_code=200))
