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
