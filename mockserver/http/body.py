"""JSON request bodies: decoding, then validation by pydantic, reported as FastAPI reports it.

Decoding keeps FastAPI's behaviour (the stdlib's error position and message for
invalid JSON) within the sandbox's limits (depth, integer size, UTF-8). The
decoded value is then validated, in pydantic's Python (lax) mode as FastAPI
does, against the type the contract's schema describes (``pydantic_types.py``):
every item is pydantic-core's, under ``["body", ...]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from mockserver.http.params import ErrorItem
from mockserver.http.pydantic_types import contract_types, fastapi_items
from mockserver.spec.refs import Resolver

__all__ = ["BodyRule", "BodyOutcome", "BodyParseError", "BodyTooDeep", "MAX_JSON_DEPTH", "decode_json"]


class BodyParseError(Exception):
    """Bytes that are not text at all: FastAPI answers 400, not 422."""


class BodyTooDeep(Exception):
    """JSON nested deeper than :data:`MAX_JSON_DEPTH`: a documented sandbox limit, answered 400."""


# The sandbox's one JSON nesting limit. orjson writes at most 254 levels, and a
# body is echoed inside a 422 item four levels down and inside a fingerprint two
# down; real request bodies nest a few levels. Documented in the README (Limits).
MAX_JSON_DEPTH = 128
PARSE_ERROR = "There was an error parsing the body"
_LONG_DIGITS = re.compile(rb"[0-9]{19}")  # a run that may be an integer orjson cannot hold (past int64)
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
    def __init__(self, schema: dict[str, Any], resolver: Resolver, required: bool) -> None:
        self._adapter = contract_types(resolver).adapter(schema)
        self._required = required

    def validate(self, raw: bytes, content_type: str | None) -> BodyOutcome:
        if not raw:
            if self._required:
                return BodyOutcome(None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
            return BodyOutcome(None, [])
        if content_type is not None and not _is_json(content_type):
            # FastAPI validates the bytes themselves: a model refuses them (model_attributes_type, the text as input).
            return BodyOutcome(None, self._check(raw.decode("utf-8", errors="replace")))
        value, problem = decode_json(raw)
        if problem is not None:
            return BodyOutcome(None, [problem])
        try:
            validated = self._adapter.validate_python(value, from_attributes=True)  # as FastAPI calls it
        except ValidationError as exc:
            return BodyOutcome(None, fastapi_items(exc, ["body"]))
        # Generators see what the service's handler sees: the validated values ("7" is 7, a timestamp a date-time),
        # as JSON types, with only the fields that were sent.
        return BodyOutcome(self._adapter.dump_python(validated, mode="json", by_alias=True, exclude_unset=True), [])

    def _check(self, value: Any) -> list[ErrorItem]:
        try:
            self._adapter.validate_python(value, from_attributes=True)
        except ValidationError as exc:
            return fastapi_items(exc, ["body"])
        return []


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")
