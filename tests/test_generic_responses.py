"""The schema responder: every operation without a dedicated generator answers contract-valid data."""

from __future__ import annotations

import pytest

from mockserver.paths import BUNDLED_CONTRACTS
from mockserver.responders.base import MockRequest
from mockserver.responders.generic import respond_from_schema
from mockserver.spec.contract import load_contract
from tests.contract_schema import schema_errors

CONTRACTS = {path.name.split(".")[0]: load_contract(path) for path in BUNDLED_CONTRACTS}
OPERATIONS = [(name, op) for name, contract in CONTRACTS.items() for op in contract.operations]


def _request(contract: str, op: object, variant: int) -> MockRequest:
    operation = op  # type: ignore[assignment]
    path_params = {part[1:-1]: f"value-{variant}" for part in operation.path.split("/") if part.startswith("{")}
    return MockRequest(operation=operation, resolver=CONTRACTS[contract].resolver, params={}, body=None,
                       path_params=path_params, seed=variant, scenario="baseline",
                       fingerprint=f"{operation.key}|{variant}".encode())


def test_the_feather_contract_is_complete() -> None:
    assert sum(1 for name, _ in OPERATIONS if name == "feather") == 491


@pytest.mark.parametrize(("contract", "operation"), OPERATIONS, ids=[f"{c}:{op.key}" for c, op in OPERATIONS])
def test_generated_body_validates(contract: str, operation: object) -> None:
    bodies = []
    for variant in range(3):
        generated = respond_from_schema(_request(contract, operation, variant), use_examples=False)
        spec = operation.responses[generated.status]  # type: ignore[attr-defined]
        if spec.schema is None:
            assert generated.content in (None, {})
            continue
        assert schema_errors(contract, spec.schema, generated.content) == []
        bodies.append(generated.content)
    again = respond_from_schema(_request(contract, operation, 0), use_examples=False)
    assert not bodies or again.content == bodies[0], "same request, same body"


@pytest.mark.parametrize("path", ["/v1/knowledge-base/evals/suites", "/v1/scenarios", "/v1/sim-suites"])
def test_a_generated_list_is_one_whole_page(path: str) -> None:
    """has_more is false and there is no next cursor, so a walk ends after one page holding every item; a cursor
    the list never handed out is the documented 400."""
    from tests.conftest import make_client

    with make_client() as client:
        client.headers["x-api-key"] = "k"
        page = client.get(path, params={"limit": 3})
        assert page.status_code == 200
        body = page.json()
        assert len(body["items"]) <= 3 and body.get("has_more", False) is False and body.get("next_cursor") is None
        if "next_cursor" in body:
            refused = client.get(path, params={"limit": 3, "cursor": "agreement"})
            assert refused.status_code == 400 and refused.json()["error"] == "invalid_cursor"
