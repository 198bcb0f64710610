"""The contract read back into Python types: each reading rule, with pydantic's own items (docs/validation.md)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mockserver.http.pydantic_types import ContractTypes, fastapi_items
from mockserver.spec.refs import Resolver

DOCUMENT: dict[str, Any] = {"components": {"schemas": {
    "Sort": {"type": "string", "enum": ["asc", "desc"], "title": "Sort"},
    "Item": {"type": "object", "title": "Item", "additionalProperties": False, "required": ["qty", "when"],
             "properties": {"qty": {"type": "integer", "minimum": 1.0, "title": "Qty"},
                            "when": {"type": "string", "format": "date-time"},
                            "sort": {"$ref": "#/components/schemas/Sort"},
                            "mode": {"type": "string", "enum": ["a", "b"]},
                            "code": {"type": "string", "pattern": "^\\S+$"},
                            "from": {"type": "string"},
                            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}},
    "Odd": {"oneOf": [{"$ref": "#/components/schemas/Item"}, {"type": "string"}],
            "discriminator": {"propertyName": "kind"}},  # no member carries "kind": no Python type says this
}}}


def _errors(schema: dict[str, Any], value: Any) -> list[dict[str, Any]]:
    types = ContractTypes(Resolver(DOCUMENT))
    try:
        types.adapter(schema).validate_python(value, from_attributes=True)
    except ValidationError as exc:
        return fastapi_items(exc, ["body"])
    return []


ITEM = {"$ref": "#/components/schemas/Item"}
GOOD = {"qty": 2, "when": "2026-03-02T10:00:00Z"}


def test_lax_mode_accepts_what_fastapi_accepts() -> None:
    assert _errors(ITEM, {**GOOD, "qty": "7"}) == []
    assert _errors(ITEM, {**GOOD, "qty": True}) == []
    assert _errors(ITEM, {**GOOD, "when": 0}) == []  # a Unix timestamp


def test_items_are_pydantics_own() -> None:
    [item] = _errors(ITEM, {**GOOD, "qty": 0})
    assert item == {"type": "greater_than_equal", "loc": ["body", "qty"], "msg": "Input should be greater than or "
                    "equal to 1", "input": 0, "ctx": {"ge": 1}}, "an integer bound written 1.0 is the 1 declared"
    [item] = _errors(ITEM, {**GOOD, "qty": "ten"})
    assert item["type"] == "int_parsing"
    assert [i["type"] for i in _errors(ITEM, {**GOOD, "sort": "up"})] == ["enum"]  # a $ref'd enum is an Enum class
    assert [i["type"] for i in _errors(ITEM, {**GOOD, "mode": "c"})] == ["literal_error"]  # inline: a Literal
    assert [(i["type"], i["loc"]) for i in _errors(ITEM, {"qty": 2})] == [("missing", ["body", "when"])]
    assert [(i["type"], i["loc"]) for i in _errors(ITEM, {**GOOD, "zz": 1})] == [("extra_forbidden", ["body", "zz"])]
    nested = _errors(ITEM, {**GOOD, "children": [{**GOOD, "qty": "x"}]})
    assert [(i["type"], i["loc"]) for i in nested] == [("int_parsing", ["body", "children", 0, "qty"])]
    assert _errors(ITEM, {**GOOD, "from": "a keyword is an alias"}) == []


@pytest.mark.parametrize("when, reason", [("2026-03-02T10:00:00", "offset"), ("2026-03-02", "")])
def test_the_contracts_date_times_need_an_offset(when: str, reason: str) -> None:
    [item] = _errors(ITEM, {**GOOD, "when": when})
    assert item["type"] == "datetime_from_date_parsing" and item["loc"] == ["body", "when"]
    assert item["msg"].startswith("Input should be a valid datetime or date, ") and reason in item["msg"]


def test_patterns_use_the_contracts_whitespace() -> None:
    assert _errors(ITEM, {**GOOD, "code": "a\x85b"}) == [], "\\x85 is not ECMA-262 whitespace"
    [item] = _errors(ITEM, {**GOOD, "code": "a b"})
    assert item == {"type": "string_pattern_mismatch", "loc": ["body", "code"],
                    "msg": "String should match pattern '^\\S+$'", "input": "a b", "ctx": {"pattern": "^\\S+$"}}


def test_a_schema_no_type_expresses_is_accepted_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    assert _errors({"$ref": "#/components/schemas/Odd"}, "anything") == []
    assert "not validated" in caplog.text
