"""JSON Schema 2020-12 validation of request values, for contracts FastAPI did not generate.

A contract written by hand (or by another framework) means its schemas as JSON
Schema says: ``0`` is not a boolean, ``"7"`` is not an integer, ``int32`` has a
range. FastAPI's lax coercions belong to FastAPI contracts only
(``body.py``). jsonschema does the work, with four changes that keep request
data away from a backtracking regex engine and give OpenAPI's integer formats
their ranges:

- ``pattern``, ``patternProperties`` and the ``additionalProperties`` that
  depends on them run on pydantic-core's linear-time engine
  (``constraints.pattern_matches``); a pattern it cannot run is not enforced, as
  everywhere in the sandbox (docs/validation.md);
- the ``regex`` format (compiling request data as a pattern) is not checked;
  ``uri`` is a scheme, a colon and no white space, ``uri-reference`` any text
  without white space;
- ``int32`` and ``int64`` are range checks, as OpenAPI defines them;
- ``uniqueItems`` hashes the items (the same equality as jsonschema's, in linear time: its own compares every
  pair of items that cannot be sorted).

Each problem becomes one error item ``{"type", "loc", "msg", "input"}`` with
the path into the value under the given prefix, like pydantic's.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.exceptions import SchemaError
from jsonschema.validators import extend

from mockserver.http.constraints import INTEGER_FORMATS, pattern_matches
from mockserver.http.params import ErrorItem
from mockserver.json_equality import json_key

__all__ = ["SchemaCheck"]

_MAX_ITEMS = 20  # problems reported per value: enough to fix a request, bounded for a huge one


# A URI is a scheme, a colon and no white space or control characters; a reference, any such text. Checked
# with a pattern a backtracking engine runs in linear time (one character class, no nesting).
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*")
_URI_REFERENCE = re.compile(r"[^\s\x00-\x1f\x7f]*")


def _formats() -> FormatChecker:
    checker = FormatChecker([name for name in FormatChecker.checkers if name != "regex"])
    checker.checks("uri")(lambda value: not isinstance(value, str) or _URI.fullmatch(value) is not None)
    checker.checks("uri-reference")(
        lambda value: not isinstance(value, str) or _URI_REFERENCE.fullmatch(value) is not None)
    for name, (low, high) in INTEGER_FORMATS.items():
        def in_range(value: object, low: int = low, high: int = high) -> bool:
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high
        checker.checks(name)(in_range)
    return checker


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not pattern_matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if pattern_matches(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [name for name in instance
              if name not in properties and not any(pattern_matches(p, name) for p in patterns)]
    if validator.is_type(additional, "object"):
        for name in extras:
            yield from validator.descend(instance[name], additional, path=name)
    elif additional is False and extras:
        listed = ", ".join(repr(name) for name in sorted(extras)[:5])
        yield ValidationError(f"Additional properties are not allowed ({listed} unexpected)")


def _unique_items(validator: Any, unique: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """jsonschema's own check compares every pair of items once they cannot be sorted (objects, arrays, mixed
    types): a 1 MiB body of 60,000 objects kept a generation thread busy for minutes. The same equality by
    hashing, in one pass."""
    if unique and validator.is_type(instance, "array"):
        seen: set[Any] = set()
        for item in instance:
            key = json_key(item)
            if key in seen:
                yield ValidationError(f"{instance!r} has non-unique elements")
                return
            seen.add(key)


_Validator = extend(Draft202012Validator, {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "uniqueItems": _unique_items,
})
_FORMATS = _formats()


class SchemaCheck:
    """One schema of a contract (references resolved against the contract's own components)."""

    def __init__(self, schema: Any, components: dict[str, Any]) -> None:
        root = {"components": components, "schema": schema, "$ref": "#/schema"}
        self._validator = _Validator(root, format_checker=_FORMATS)

    def errors(self, value: Any, prefix: list[Any]) -> list[ErrorItem]:
        items: list[ErrorItem] = []
        try:
            for problem in self._validator.iter_errors(value):
                items.append({"type": f"schema_{problem.validator}", "loc": [*prefix, *problem.absolute_path],
                              "msg": _message(problem), "input": problem.instance})
                if len(items) >= _MAX_ITEMS:
                    break
        except (SchemaError, RecursionError, KeyError, TypeError, ValueError):  # a schema jsonschema cannot use
            return []
        return items


def _message(problem: ValidationError) -> str:
    text = problem.message
    return text if len(text) <= 200 else text[:200] + "..."
