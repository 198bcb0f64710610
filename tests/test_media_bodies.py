"""Request bodies of contracts FastAPI did not generate: each media type by its own rules (docs/contracts.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_client

ORDER = {
    "type": "object",
    "required": ["id", "status"],
    "xml": {"name": "order"},
    "properties": {
        "id": {"type": "integer", "format": "int32", "xml": {"attribute": True}},
        "status": {"type": "string", "enum": ["placed", "shipped"]},
        "paid": {"type": "boolean"},
        "tags": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string", "xml": {"name": "tag"}}},
        "notes": {"type": "array", "items": {"type": "string", "maxLength": 5}},
        "callback": {"type": "string", "format": "uri"},
        "code": {"type": "string", "pattern": "^(a+)+$"},
    },
}
ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}


def _contract(tmp_path: Path, content: dict[str, Any], responses: dict[str, Any] | None = None) -> Path:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "orders", "version": "1"},
        "paths": {
            "/orders": {"post": {
                "requestBody": {"required": True, "content": content},
                "responses": responses or {
                    "200": {"description": "ok", "content": {"application/json": {"schema": ORDER}}},
                    "400": {"description": "bad", "content": {"application/json": {"schema": ERROR}}}},
            }},
            "/orders/search": {"get": {"parameters": [
                {"name": "callback", "in": "query", "schema": {"type": "string", "format": "uri"}},
                {"name": "n", "in": "query", "schema": {"type": "integer", "format": "int32"}}],
                "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}},
            "/orders/{order_id}": {"get": {"parameters": [
                {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}}}},
        },
    }
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(document))
    return path


ALL_MEDIA = {media: {"schema": ORDER} for media in (
    "application/json", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data")}


@pytest.fixture()
def client(tmp_path: Path) -> Any:
    with make_client(specs=(_contract(tmp_path, {**ALL_MEDIA, "text/plain": {"schema": {"type": "string"}}}),)) as c:
        yield c


def _post(client: Any, media: str, body: bytes | str) -> Any:
    return client.post("/orders", content=body, headers={"content-type": media})


def test_json_is_json_schema_not_fastapi_lax_mode(client: Any) -> None:
    assert _post(client, "application/json", '{"id": 1, "status": "placed", "paid": true}').status_code == 200
    for bad in ('{"id": 1, "status": "placed", "paid": 1}', '{"id": "1", "status": "placed"}',
                '{"id": 2147483648, "status": "placed"}', '{"id": 1, "status": "lost"}'):
        refused = _post(client, "application/json", bad)
        assert refused.status_code == 400, bad
        assert refused.json()["message"].startswith("body."), "the reasons are in the contract's message field"


def test_a_form_reads_each_field_as_its_schema_type(client: Any) -> None:
    ok = _post(client, "application/x-www-form-urlencoded", "id=7&status=shipped&paid=true&notes=a&notes=b")
    assert ok.status_code == 200
    assert ok.json()["status"] == "shipped" and ok.json()["notes"] == ["a", "b"], "sent fields are echoed"
    for bad, where in (("id=7&status=shipped&paid=yes", "body.paid"), ("id=seven&status=shipped", "body.id"),
                       ("id=7", "body"), ("id=7&status=shipped&notes=toolong", "body.notes.0")):
        refused = _post(client, "application/x-www-form-urlencoded", bad)
        assert refused.status_code == 400 and refused.json()["message"].startswith(where), bad


def test_an_empty_form_is_a_form_with_no_fields(client: Any) -> None:
    refused = _post(client, "application/x-www-form-urlencoded", "")
    assert refused.status_code == 400 and "'id' is a required property" in refused.json()["message"]


def test_multipart_fields_and_files(client: Any) -> None:
    files = {"status": (None, "placed"), "id": (None, "5"), "tags": ("t.txt", b"x")}
    assert client.post("/orders", files=files).status_code == 200
    refused = client.post("/orders", files={"status": (None, "placed"), "id": (None, "five")})
    assert refused.status_code == 400 and "body.id" in refused.json()["message"]
    broken = _post(client, "multipart/form-data; boundary=xyz", b"--xyz\r\nnot a part")
    assert broken.status_code == 400 and "body" in broken.json()["message"], "an unreadable body: the contract's 400"


def test_xml_follows_the_schema_xml_hints(client: Any) -> None:
    ok = _post(client, "application/xml", '<order id="3"><status>placed</status><tags><tag>a</tag><tag>b</tag></tags>'
                                          '<notes>x</notes><notes>y</notes></order>')
    assert ok.status_code == 200 and ok.json()["tags"] == ["a", "b"] and ok.json()["notes"] == ["x", "y"]
    for bad in ('<order id="x"><status>placed</status></order>', '<order><status>placed</status></order>',
                '<order id="3"><status>lost</status></order>', '<order id="3">placed</order>', "<order id='3'>"):
        assert _post(client, "application/xml", bad).status_code == 400, bad


def test_xml_entities_are_refused_not_expanded(client: Any) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<order id="1"><status>&b;</status></order>')
    refused = _post(client, "application/xml", bomb)
    assert refused.status_code == 400 and "XML" in refused.json()["message"]


def test_the_content_type_picks_the_declared_media_type(client: Any) -> None:
    refused = _post(client, "text/csv", "a,b")
    assert refused.status_code == 400
    assert "send one of: application/json, application/xml" in refused.json()["message"]
    assert _post(client, "text/plain", "anything").status_code == 200
    assert _post(client, "Application/JSON; charset=utf-8", '{"id": 1, "status": "placed"}').status_code == 200


def test_an_undeclared_media_type_gets_a_documented_415(tmp_path: Path) -> None:
    responses = {"200": {"description": "ok"}, "415": {"description": "unsupported"},
                 "422": {"description": "invalid", "content": {"application/json": {"schema": ERROR}}}}
    with make_client(specs=(_contract(tmp_path, {"application/json": {"schema": ORDER}}, responses),)) as client:
        assert _post(client, "application/xml", "<order/>").status_code == 415
        assert _post(client, "application/json", "{}").status_code == 422


def test_parameters_meet_their_json_schema(client: Any) -> None:
    assert client.get("/orders/search", params={"callback": "https://example.com/x", "n": "5"}).status_code == 200
    assert client.get("/orders/search", params={"callback": "not a uri"}).status_code == 400
    assert client.get("/orders/search", params={"n": str(2**31)}).status_code == 400


def test_a_backtracking_pattern_meets_a_linear_engine(client: Any) -> None:
    started = time.perf_counter()
    refused = _post(client, "application/json", json.dumps({"id": 1, "status": "placed", "code": "a" * 5000 + "!"}))
    assert refused.status_code == 400 and "body.code" in refused.json()["message"]
    assert time.perf_counter() - started < 5, "(a+)+$ on 5,000 a's and a '!' must not backtrack"


def test_openapi_routing_the_concrete_path_is_the_resource(client: Any) -> None:
    refused = client.put("/orders/search")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET"
    assert client.post("/orders/search").headers["allow"] == "GET", "POST /orders exists, but not at this path"


def test_a_union_parameter_is_checked_by_the_branch_that_took_it(tmp_path: Path) -> None:
    size = {"anyOf": [{"type": "string", "enum": ["small", "large"]}, {"type": "integer", "minimum": 1}]}
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {
        "parameters": [{"name": "size", "in": "query", "schema": size}],
        "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}}}}
    path = tmp_path / "union.json"
    path.write_text(json.dumps(document))
    with make_client(specs=(path,)) as client:
        assert [client.get("/x", params={"size": v}).status_code for v in ("small", "5", "0", "huge")] == \
            [200, 200, 400, 400]
