"""JSON request bodies: decoding and schema validation, reported as FastAPI would.

The schema is compiled once per operation into a jsonschema 2020-12 validator (the
same validator family openapi-core uses for OpenAPI 3.1). Its errors are then
translated into pydantic's vocabulary so a client sees ``missing``,
``extra_forbidden``, ``int_type``... with FastAPI's ``loc`` paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

import orjson
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match

from mockserver.http.constraints import check_constraints, pattern_matches
from mockserver.http.params import ErrorItem
from mockserver.http.scalars import FORMAT_PARSERS, Problem

__all__ = ["BodyRule", "BodyOutcome", "BodyParseError", "BodyTooDeep", "MAX_JSON_DEPTH", "decode_json"]

_FORMATS = FORMAT_PARSERS
_FORMAT_CHECKER = FormatChecker(formats=())
for _name, _parse in _FORMATS.items():
    _FORMAT_CHECKER.checks(_name)(lambda value, _p=_parse: not isinstance(value, str) or _p(value)[1] is None)

_TYPE_ITEMS: dict[str, tuple[str, str]] = {
    "string": ("string_type", "Input should be a valid string"),
    "integer": ("int_type", "Input should be a valid integer"),
    "number": ("float_type", "Input should be a valid number"),
    "boolean": ("bool_type", "Input should be a valid boolean"),
    "array": ("list_type", "Input should be a valid list"),
    "null": ("none_required", "Input should be None"),
}
_CONSTRAINT_KEYWORDS = frozenset(
    {"enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
     "minLength", "maxLength", "pattern", "minItems", "maxItems"}
)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """Patterns match with the real service's regex semantics (``constraints.pattern_matches``)."""
    if isinstance(instance, str) and not pattern_matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


class BodyParseError(Exception):
    """Bytes that are not text at all: FastAPI answers 400, not 422."""


class BodyTooDeep(Exception):
    """JSON nested deeper than :data:`MAX_JSON_DEPTH`: a documented sandbox limit, answered 400."""


# The sandbox's one JSON nesting limit. orjson writes at most 254 levels, and a
# body is echoed inside a 422 item four levels down and inside a fingerprint two
# down; real request bodies nest a few levels. Documented in the README (Limits).
MAX_JSON_DEPTH = 128
PARSE_ERROR = "There was an error parsing the body"
_LONG_DIGITS = re.compile(rb"[0-9]{20}")  # a run that may be an integer orjson cannot hold
_ORJSON_REFUSED = object()


@dataclass(frozen=True, slots=True)
class BodyOutcome:
    value: Any
    errors: list[ErrorItem]


def decode_json(raw: bytes) -> tuple[Any, ErrorItem | None]:
    """orjson for speed; the stdlib for FastAPI's exact error position and message.

    The stdlib also reads what orjson refuses but FastAPI accepts (integers past 64
    bits). What neither can hold is a 400, as in FastAPI: integers of 4,300 digits
    or more (the interpreter's own limit) and strings with a lone surrogate escape
    (``"\\ud800"``), which no UTF-8 response could ever echo. Nesting beyond
    :data:`MAX_JSON_DEPTH` raises :class:`BodyTooDeep`.
    """
    value: Any = _ORJSON_REFUSED
    if _LONG_DIGITS.search(raw) is None:  # orjson reads integers past 64 bits as floats; FastAPI keeps them
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    if value is _ORJSON_REFUSED:
        value = _decode_with_stdlib(raw)
        if isinstance(value, _Invalid):
            return None, value.item
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise BodyTooDeep(f"Request body nests JSON deeper than the sandbox limit of {MAX_JSON_DEPTH} levels")
    return value, None


@dataclass(frozen=True, slots=True)
class _Invalid:
    item: ErrorItem


def _decode_with_stdlib(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyParseError(PARSE_ERROR) from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return _Invalid({"type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error",
                         "input": {}, "ctx": {"error": exc.msg}})
    except RecursionError as exc:
        raise BodyTooDeep(f"Request body nests JSON deeper than the sandbox limit of {MAX_JSON_DEPTH} levels") from exc
    except ValueError as exc:  # an integer past the interpreter's digit limit
        raise BodyParseError(PARSE_ERROR) from exc
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate escape
        raise BodyParseError(PARSE_ERROR) from exc
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` levels; iterative, so any depth is safe to ask about."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BodyRule:
    def __init__(self, schema: dict[str, Any], components: dict[str, Any], required: bool) -> None:
        # Keeping the document's components beside the schema lets "#/components/..." resolve.
        root = {**schema, "components": components}
        self._validator = _Validator(root, format_checker=_FORMAT_CHECKER)
        self._required = required
        self._root = schema
        self._components = components

    def validate(self, raw: bytes, content_type: str | None) -> BodyOutcome:
        if not raw:
            if self._required:
                return BodyOutcome(None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
            return BodyOutcome(None, [])
        if content_type is not None and not _is_json(content_type):
            text = raw.decode("utf-8", errors="replace")
            return BodyOutcome(None, [_root_type_item(self._resolve(self._root), text)])
        value, problem = decode_json(raw)
        if problem is not None:
            return BodyOutcome(None, [problem])
        errors = [item for error in self._validator.iter_errors(value) for item in self._items(error)]
        return BodyOutcome(value, _in_field_order(errors, self._resolve(self._root)))

    def _resolve(self, schema: Any) -> dict[str, Any]:
        while isinstance(schema, dict) and "$ref" in schema:
            node: Any = {"components": self._components}
            for part in schema["$ref"][2:].split("/"):
                node = node[part]
            schema = node
        return schema if isinstance(schema, dict) else {}

    def _items(self, error: ValidationError) -> Iterator[ErrorItem]:
        loc = ["body", *error.absolute_path]
        keyword = error.validator
        instance = error.instance
        if keyword == "required":
            present = instance if isinstance(instance, dict) else {}
            for name in error.validator_value:
                if name not in present and f"'{name}'" in error.message:
                    yield {"type": "missing", "loc": [*loc, name], "msg": "Field required", "input": instance}
        elif keyword in ("additionalProperties", "unevaluatedProperties"):
            allowed = set(error.schema.get("properties", {}))
            for name, value in instance.items():
                if name not in allowed:
                    yield {"type": "extra_forbidden", "loc": [*loc, name], "msg": "Extra inputs are not permitted",
                           "input": value}
        elif keyword == "type":
            yield _ordered(_type_item(error.validator_value, instance, error.schema), loc, instance)
        elif keyword in ("anyOf", "oneOf"):
            yield from self._union_items(error)
        elif keyword in _CONSTRAINT_KEYWORDS:
            problem = check_constraints(instance, {keyword: error.validator_value})
            yield _from_problem(problem or ("value_error", f"Value error, {error.message}", None), loc, instance)
        elif keyword == "format":
            parse = _FORMATS.get(error.validator_value)
            problem = parse(instance)[1] if parse else None
            yield _from_problem(problem or ("value_error", f"Value error, {error.message}", None), loc, instance)
        else:
            yield _from_problem(("value_error", f"Value error, {error.message}", None), loc, instance)

    def _union_items(self, error: ValidationError) -> Iterator[ErrorItem]:
        branches = error.validator_value
        non_null = [i for i, b in enumerate(branches) if self._resolve(b).get("type") != "null"]
        if len(non_null) == 1:
            chosen = [e for e in error.context or () if e.relative_schema_path[0] == non_null[0]]
            for sub in chosen:
                yield from self._items(sub)
            if chosen:
                return
        best = best_match(error.context or ())
        if best is not None:
            yield from self._items(best)
        else:
            problem = ("value_error", f"Value error, {error.message}", None)
            yield _from_problem(problem, ["body", *error.absolute_path], error.instance)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _type_item(expected: str | list[str], instance: Any, schema: dict[str, Any]) -> ErrorItem:
    names = [expected] if isinstance(expected, str) else [t for t in expected if t != "null"] or list(expected)
    name = names[0]
    if name == "integer" and isinstance(instance, float) and not instance.is_integer():
        return {"type": "int_from_float", "msg": "Input should be a valid integer, got a number with a fractional part"}
    if name == "object":
        if "properties" in schema:
            return {"type": "model_attributes_type", "msg": "Input should be a valid dictionary or object to extract fields from"}
        return {"type": "dict_type", "msg": "Input should be a valid dictionary"}
    kind, msg = _TYPE_ITEMS.get(name, ("value_error", f"Input should be of type {name}"))
    return {"type": kind, "msg": msg}


def _root_type_item(schema: dict[str, Any], text: str) -> ErrorItem:
    expected = schema.get("type", "object")
    return _ordered(_type_item(expected, text, schema), ["body"], text)


def _ordered(kind_and_msg: ErrorItem, loc: list[Any], given: Any) -> ErrorItem:
    """FastAPI's key order: type, loc, msg, input."""
    return {"type": kind_and_msg["type"], "loc": loc, "msg": kind_and_msg["msg"], "input": given}


def _from_problem(problem: Problem, loc: list[Any], given: Any) -> ErrorItem:
    kind, msg, ctx = problem
    item: ErrorItem = {"type": kind, "loc": loc, "msg": msg, "input": given}
    if ctx is not None:
        item["ctx"] = ctx
    return item


def _in_field_order(items: list[ErrorItem], root: dict[str, Any]) -> list[ErrorItem]:
    """pydantic reports fields in declaration order; jsonschema reports by keyword."""
    order = {name: i for i, name in enumerate(root.get("properties", {}))}

    def key(item: ErrorItem) -> int:
        loc = item["loc"]
        return order.get(loc[1], len(order)) if len(loc) > 1 else -1

    return sorted(items, key=key)
