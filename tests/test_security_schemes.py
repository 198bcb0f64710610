"""Every OpenAPI security scheme type starts and is checked as far as plain HTTP allows (--spec contracts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.spec.contract import ContractError, load_contract
from tests.conftest import make_client

SPEC = Path(__file__).parent / "data" / "security-schemes-3.1.json"


def _client(**settings: object):  # type: ignore[no-untyped-def]
    return make_client(specs=(SPEC,), **settings)


@pytest.mark.parametrize(("path", "good", "bad"), [
    ("/o", {"headers": {"authorization": "Bearer t0k"}}, {"headers": {"authorization": "Basic dTpw"}}),
    ("/oid", {"headers": {"authorization": "Bearer t0k"}}, {"headers": {"authorization": "Bearer "}}),
    ("/b", {"headers": {"authorization": "Bearer t0k"}}, {"headers": {"authorization": "t0k"}}),
    ("/q", {"params": {"api_key": "k"}}, {"params": {"api_key": ""}}),
    ("/c", {"headers": {"cookie": "sid=k"}}, {"headers": {"cookie": "other=k"}}),
    ("/d", {"headers": {"authorization": "Digest username=x"}}, {"headers": {"authorization": "Bearer x"}}),
])
def test_sandbox_mode_wants_the_credential_in_its_place(path: str, good: dict, bad: dict) -> None:
    with _client() as client:
        assert client.get(path, **good).status_code == 200
        assert client.get(path, **bad).status_code == 401
        assert client.get(path).status_code == 401


def test_configured_credentials_are_the_only_ones_accepted() -> None:
    with _client(bearer_tokens=frozenset({"right"}), api_keys=frozenset({"key"})) as client:
        assert client.get("/o", headers={"authorization": "Bearer right"}).status_code == 200
        assert client.get("/o", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/q", params={"api_key": "key"}).status_code == 200
        assert client.get("/q", params={"api_key": "nope"}).status_code == 401
        assert client.get("/c", headers={"cookie": "sid=key"}).status_code == 200
        assert client.get("/q", params={"api_key": "ключ"}).status_code == 401, "non-Latin text is refused, not a 500"


def test_mutual_tls_cannot_be_seen_and_is_said_at_startup() -> None:
    with _client() as client:
        assert client.get("/m").status_code == 200
    warnings = load_contract(SPEC).warnings
    assert any("'m' (mutualTLS): not checked" in w for w in warnings)
    assert any("'o' (oauth2): a Bearer token is required" in w for w in warnings)


def test_an_unknown_scheme_type_is_one_clear_startup_error(tmp_path: Path) -> None:
    document = json.loads(SPEC.read_text())
    document["components"]["securitySchemes"]["x"] = {"type": "kerberos"}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    with pytest.raises(ContractError, match="security scheme 'x' has an unknown type 'kerberos'"):
        load_contract(broken)


def test_an_example_that_breaks_its_schema_is_not_served(tmp_path: Path) -> None:
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/pets/{id}": {"get": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Pet"},
            "examples": {"good": {"value": {"id": 1, "name": "Rex"}}, "bad": {"value": {"id": "one"}}}}}}}}}},
        "components": {"schemas": {"Pet": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}}}}}}
    spec = tmp_path / "pets.json"
    spec.write_text(json.dumps(document))
    contract = load_contract(spec)
    assert list(contract.operations[0].responses[200].examples) == ["good"]
    assert any("example 'bad' does not match its schema" in w for w in contract.warnings)
    with make_client(specs=(spec,)) as client:
        assert client.get("/pets/1", headers={"prefer": "example=bad"}).status_code == 400
        assert client.get("/pets/1").json() == {"id": 1, "name": "Rex"}


def test_a_contract_with_its_own_error_shape_gets_it_for_invalid_requests() -> None:
    from mockserver.spec.examples import ExampleChecker

    petstore = Path(__file__).parent / "data" / "petstore-3.0.json"
    document = json.loads(petstore.read_text())
    with make_client(specs=(petstore,)) as client:
        refused = client.get("/pets", params={"limit": "lots"})
    assert refused.status_code == 400, "no 422 or 400 documented: the default error response, as a 400"
    body = refused.json()
    assert body["code"] == 400 and "query.limit" in body["message"] and "valid integer" in body["message"]
    error_schema = document["components"]["schemas"]["Error"]
    warnings: list[str] = []
    assert ExampleChecker(document).keep_valid(error_schema, {"reply": body}, "test", warnings) == {"reply": body}
    assert warnings == []


def test_responses_come_in_their_declared_media_type(tmp_path: Path) -> None:
    row = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    rows = {"type": "array", "minItems": 2, "maxItems": 3, "items": row}

    def served(media: str, schema: dict) -> dict:
        return {"get": {"responses": {"200": {"description": "ok", "content": {media: {"schema": schema}}}}}}

    document = {"openapi": "3.1.0", "info": {"title": "media", "version": "1"}, "paths": {
        "/lines": served("application/jsonl", rows), "/table": served("text/csv", rows),
        "/note": served("text/plain", {"type": "string"}), "/events": served("text/event-stream", rows)}}
    spec = tmp_path / "media.json"
    spec.write_text(json.dumps(document))
    with make_client(specs=(spec,)) as client:
        lines = client.get("/lines")
        assert lines.headers["content-type"] == "application/jsonl"
        parsed = [json.loads(line) for line in lines.text.splitlines()]
        assert 2 <= len(parsed) <= 3 and all(set(item) >= {"id", "name"} for item in parsed)
        table = client.get("/table")
        assert table.headers["content-type"].startswith("text/csv")
        header, *body = table.text.splitlines()
        assert header.split(",")[:2] == ["id", "name"] and 2 <= len(body) <= 3
        note = client.get("/note")
        assert note.headers["content-type"].startswith("text/plain") and not note.text.startswith('"')
        events = client.get("/events").text
        assert events.startswith("data: {") and events.count("\n\n") >= 2
