"""Request validators are built at an operation's first request, not at startup: the same answers, sooner up.

Startup used to build the pydantic types of every operation of every contract (a third of a second of a
one-second startup); now it builds none, and an operation's first request builds its own. These tests hold what
that must not change: every operation of every contract still builds (what startup used to prove), startup
builds none, a request builds only its own, and first requests racing on the generation threads answer exactly
as one after the other.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mockserver.app import build_dispatcher
from mockserver.http.dispatch import Dispatcher
from mockserver.http.validation import RequestValidator
from mockserver.settings import Settings
from tests.conftest import NOW, make_client

CORPUS = sorted((Path(__file__).parent / "data" / "corpus").glob("*.yaml"))
BUNDLED = Settings().specs


def _built(dispatcher: Dispatcher) -> set[str]:
    return {endpoint.operation.key for endpoint in dispatcher.endpoints.values() if endpoint._validator is not None}


@pytest.mark.parametrize("specs", [BUNDLED, *[(path,) for path in CORPUS]], ids=lambda s: Path(s[0]).name)
def test_every_operation_builds_its_validator(specs: tuple[Path, ...]) -> None:
    dispatcher = build_dispatcher(Settings(specs=specs, access_log=False, now=NOW))
    assert _built(dispatcher) == set(), "startup builds no validator"
    for endpoint in dispatcher.endpoints.values():
        assert isinstance(endpoint.validator, RequestValidator)
        assert endpoint.validator is endpoint.validator  # built once
    assert len(_built(dispatcher)) == len(dispatcher.endpoints) > 0


def test_a_request_builds_only_its_own_operations_validator() -> None:
    with make_client() as client:
        dispatcher = client.app.dispatcher  # type: ignore[attr-defined]
        assert _built(dispatcher) == set()
        response = client.get("/v1/agents", params={"limit": "x"}, headers={"x-api-key": "k"})
        assert response.status_code == 422
        assert len(_built(dispatcher)) == 1


INVALID = [  # operations whose request types share contract models, each with a body or query they refuse
    ("PUT", "/v1/identity/org", {"settings": {"kb_role_clearance_map": {"b": "x"}, "retry": 7}}),
    ("POST", "/v1/model-router/configs", {"name": 5, "model_chain": [1, "a", {"x": 1}]}),
    ("GET", "/v1/analytics/tools/dashboard?start_date=x&end_date=2026-13-01&top_tools_limit=0", None),
    ("GET", "/v1/agents?limit=x&offset=-1", None),
    ("POST", "/v1/agents", {"name": ["x"], "model": 3}),
]


def _answers(parallel: bool) -> list[tuple[int, bytes]]:
    with make_client() as client:
        client.headers["x-api-key"] = "k"

        def send(item: tuple[str, str, object]) -> tuple[int, bytes]:
            method, path, body = item
            response = client.request(method, path, json=body)
            return response.status_code, response.content

        requests = INVALID * 4
        if not parallel:
            return [send(item) for item in requests]
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(send, requests))


def test_first_requests_racing_answer_as_one_after_the_other() -> None:
    sequential = _answers(parallel=False)
    assert {status for status, _ in sequential} == {422}
    for _ in range(3):
        assert _answers(parallel=True) == sequential
