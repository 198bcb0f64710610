"""The sandbox's 422s against FastAPI's own, for invalid requests over every Feather operation.

Two oracles, each independent of the sandbox's request path:
- *round trip*: the Python types the contract's schemas are read back into regenerate, through pydantic's JSON
  schema generation (what FastAPI publishes), the contract's own parameter and model schemas;
- *differential*: a FastAPI app declaring those types (``tests/fastapi_oracle.py``, FastAPI 0.165.0 and the
  pinned pydantic) answers the same invalid requests; status and body must be byte-for-byte the sandbox's.

The requests are built deterministically from the contract: every required parameter omitted, every parameter
given wrong text, every body field missing, of the wrong type or extra, bodies that are not JSON or not
objects. docs/validation.md lists the deliberate differences, which these tests account for by name.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from functools import lru_cache
from typing import Any, Iterator

import pytest
from pydantic import TypeAdapter
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.http.pydantic_types import contract_types
from mockserver.paths import BUNDLED_CONTRACTS
from mockserver.settings import Settings
from mockserver.spec.contract import Contract, load_contract
from mockserver.spec.model import Operation
from tests.conftest import NOW
from tests.fastapi_oracle import oracle_app

KEY = {"x-api-key": "sk-test"}
BAD_TEXT = ["abc", "-1", "0", "1.5", "", "true", "9" * 25, "2026-13-01", "20260101", "2026-03-02T10:00:00",
            "0123456789abcdef0123456789abcdef", "x" * 300, "null"]
BAD_JSON = ["7", 7, 1.5, True, None, [], {}, "x", -1, 10**20, "2026-03-02", [1, "a"], {"k": []}]


@lru_cache(maxsize=1)
def _feather() -> Contract:
    return load_contract(BUNDLED_CONTRACTS[0])


# -- round trip ------------------------------------------------------------------------------------------------
_NOISE = {"title", "description", "examples", "example", "default", "deprecated", "readOnly", "writeOnly"}


def _normal(schema: Any) -> Any:
    """A schema without what does not change validation (titles, descriptions, examples)."""
    if isinstance(schema, dict):
        out = {k: _normal(v) for k, v in schema.items() if k not in _NOISE and k != "$defs"}
        if "$ref" in out:
            out["$ref"] = out["$ref"].rsplit("/", 1)[-1]
        return out
    if isinstance(schema, list):
        return [_normal(v) for v in schema]
    return schema


def test_parameter_types_regenerate_the_contract() -> None:
    """Each parameter's type, through pydantic's schema generation, gives back the contract's schema."""
    contract = _feather()
    types = contract_types(contract.resolver)
    same, differ = 0, []
    for op in contract.operations:
        for param in op.parameters:
            schema = _normal(contract.resolver.deref(param.schema)) if "$ref" not in param.schema else \
                _normal(param.schema)
            generated = _normal(TypeAdapter(types.annotation(param.schema)).json_schema(
                ref_template="#/components/schemas/{model}"))
            if generated == schema:
                same += 1
            else:
                differ.append((op.key, param.name, schema, generated))
    total = same + len(differ)
    assert same / total >= 0.99, (same, total, differ[:5])


# Components whose regenerated schema differs from the contract's, each without effect on validation but one:
# a binary upload's contentMediaType, extra="allow" (validates as "ignore"), pydantic.JsonValue read as Any (the same
# for JSON input), a named dict type inlined, a bare dict's additionalProperties; SessionClose.reason puts maxLength
# on a union (Enum | str), which the types do not carry (docs/validation.md).
KNOWN_COMPONENT_DIFFERENCES = {"Body_ingestVoiceCall", "OrgSettings", "Payload", "TemplatePreviewRequest",
                               "TemplateValidateRequest", "ToolInputDefaultsEntry", "ValidationError", "SessionClose"}


def test_component_types_regenerate_the_contract() -> None:
    """Every component's type (models, enums, named aliases), through pydantic's schema generation, gives back
    the contract's schema: the types are the ones the service declared."""
    contract = _feather()
    types = contract_types(contract.resolver)
    differ = []
    schemas = contract.resolver.document["components"]["schemas"]
    for name, schema in schemas.items():
        generated = TypeAdapter(types.annotation({"$ref": "#/components/schemas/" + name})).json_schema(
            ref_template="#/components/schemas/{model}")
        if _normal(generated) != _normal(schema):
            differ.append(name)
    assert set(differ) == KNOWN_COMPONENT_DIFFERENCES
    assert len(schemas) - len(differ) >= 0.98 * len(schemas)


# -- differential ----------------------------------------------------------------------------------------------
def _valid(schema: Any, depth: int = 0) -> Any:
    """A value the schema accepts, built the simple way (first enum member, a bound, a fixed uuid...)."""
    resolver = _feather().resolver
    schema = resolver.deref(schema)
    if not isinstance(schema, dict) or depth > 6:
        return None
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [b for b in schema[key] if resolver.deref(b).get("type") != "null"]
            return _valid(branches[0], depth + 1) if branches else None
    if "allOf" in schema:
        return _valid(schema["allOf"][0], depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return {"uuid": "6e30d222-c680-5bd6-afcb-d9fbfbd29ece", "date": "2026-03-02",
                "date-time": "2026-03-02T10:00:00Z", "time": "10:00:00Z"}.get(schema.get("format", ""),
                                                                              "a" * max(1, schema.get("minLength", 1)))
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "array":
        return [_valid(schema.get("items", {}), depth + 1)] * max(1, schema.get("minItems", 1))
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {name: _valid(prop, depth + 1) for name, prop in (schema.get("properties") or {}).items()
                if name in required}
    return "a"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Probe:
    def __init__(self, op: Operation, params: dict[str, Any], body: Any = None, raw: bytes | None = None,
                 content_type: str | None = "application/json") -> None:
        self.op, self.params, self.body, self.raw, self.content_type = op, params, body, raw, content_type

    def request(self) -> dict[str, Any]:
        path = self.op.path
        query: list[tuple[str, str]] = []
        headers = dict(KEY)
        for param in self.op.parameters:
            if param.name not in self.params:
                continue
            value = self.params[param.name]
            if param.location == "path":
                path = path.replace("{" + param.name + "}", urllib.parse.quote(_text(value), safe=""))
            elif param.location == "query":
                values = value if isinstance(value, list) else [value]
                query += [(param.name, _text(v)) for v in values]
            elif param.location == "header":
                headers[param.name] = _text(value)
        if "{" in path:
            return {}
        url = path + ("?" + urllib.parse.urlencode(query) if query else "")
        content: bytes | None = self.raw
        if content is None and self.body is not None:
            content = json.dumps(self.body).encode()
        if content is not None and self.content_type:
            headers["content-type"] = self.content_type
        return {"method": self.op.method.upper(), "url": url, "headers": headers, "content": content}


def _probes(op: Operation) -> Iterator[Probe]:
    params = [p for p in op.parameters if p.location in ("path", "query", "header")]
    base = {p.name: _valid(p.schema) for p in params if p.required}
    body_schema = op.body.json_schema if op.body is not None else None
    body = _valid(body_schema) if body_schema is not None else None
    for param in params:
        if param.required and param.location != "path":
            yield Probe(op, {k: v for k, v in base.items() if k != param.name}, body)
        for bad in BAD_TEXT:
            if param.location == "path" and bad == "":
                continue
            yield Probe(op, {**base, param.name: bad}, body)
    if body_schema is None:
        return
    resolver = _feather().resolver
    schema = resolver.deref(body_schema)
    yield Probe(op, base, raw=b'{"a": ')
    yield Probe(op, base, raw=b"[1, 2]")
    yield Probe(op, base, raw=b"hello", content_type="text/plain")
    if op.body is not None and op.body.required:
        yield Probe(op, base, raw=b"")
    if isinstance(body, dict):
        properties = schema.get("properties") or {}
        for name in schema.get("required", []):
            yield Probe(op, base, {k: v for k, v in body.items() if k != name})
        for name in list(properties)[:12]:
            for bad in BAD_JSON:
                yield Probe(op, base, {**body, name: bad})
        yield Probe(op, base, {**body, "zz_extra": 1})


@pytest.fixture(scope="module")
def both() -> tuple[TestClient, TestClient]:
    sandbox = TestClient(create_app(Settings(access_log=False, now=NOW, api_keys=frozenset({"sk-test"}))))
    oracle = TestClient(oracle_app(_feather()), raise_server_exceptions=False)
    return sandbox, oracle


def _comparable(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def test_invalid_requests_get_fastapis_own_422(both: tuple[TestClient, TestClient]) -> None:
    sandbox, oracle = both
    outcome: Counter[str] = Counter()
    differences: list[tuple[str, Any, Any]] = []
    for op in _feather().operations:
        for probe in _probes(op):
            request = probe.request()
            if not request:
                continue
            ours, theirs = sandbox.request(**request), oracle.request(**request)
            if theirs.status_code != 422 and ours.status_code != 422:
                outcome["both valid"] += 1  # the handler's own answers differ by design (data, 4xx of the world)
                continue
            if ours.status_code != theirs.status_code:
                outcome["status differs"] += 1
                differences.append((f"{request['method']} {request['url']}", ours.status_code, theirs.status_code))
                continue
            if _comparable(ours) == _comparable(theirs):
                outcome["same 422"] += 1
            else:
                outcome["body differs"] += 1
                differences.append((f"{request['method']} {request['url']} {request['content']!r}"[:300],
                                    _comparable(ours), _comparable(theirs)))
    invalid = outcome["same 422"] + outcome["body differs"] + outcome["status differs"]
    assert invalid > 5000, outcome
    assert outcome["same 422"] / invalid >= 0.99, (outcome, differences[:8])
    assert (invalid - outcome["status differs"]) / invalid >= 0.995, (outcome, differences[:8])
