"""Path, query and header parameters: text in, typed values or pydantic items out.

Each parameter's schema is compiled once into a :class:`ParameterRule`; a request
only runs the rules. FastAPI conventions are kept: unknown query keys are ignored,
a repeated scalar key takes its last value, array parameters take every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from mockserver.http.constraints import check_constraints
from mockserver.http.scalars import FORMAT_PARSERS, Problem, parse_bool, parse_float, parse_int
from mockserver.spec.model import Parameter
from mockserver.spec.refs import Resolver

__all__ = ["ParameterRule", "compile_parameter", "ErrorItem"]

ErrorItem = dict[str, Any]
Parser = Callable[[str], tuple[Any, Problem | None]]


def _parse_str(text: str) -> tuple[str, None]:
    return text, None


_FORMAT_PARSERS: dict[str, Parser] = dict(FORMAT_PARSERS)
_TYPE_PARSERS: dict[str, Parser] = {"integer": parse_int, "number": parse_float, "boolean": parse_bool}


@dataclass(frozen=True, slots=True)
class _Scalar:
    parse: Parser
    schema: dict[str, Any]

    def check(self, text: str) -> tuple[Any, Problem | None]:
        value, problem = self.parse(text)
        if problem is None:
            problem = check_constraints(value, self.schema)
        return value, problem


def _scalar(schema: dict[str, Any]) -> _Scalar:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    parse = _TYPE_PARSERS.get(kind) or _FORMAT_PARSERS.get(schema.get("format", ""), _parse_str)
    return _Scalar(parse, schema)


def _non_null(schema: dict[str, Any], resolver: Resolver) -> dict[str, Any]:
    """Query text is never JSON null, so ``anyOf: [X, null]`` validates as X."""
    schema = resolver.deref(schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [resolver.deref(b) for b in schema[key] if resolver.deref(b).get("type") != "null"]
            if branches:
                return branches[0]
    return schema


@dataclass(frozen=True, slots=True)
class ParameterRule:
    parameter: Parameter
    loc: tuple[str, str]
    item: _Scalar | None  # set for array parameters
    scalar: _Scalar | None  # set for scalar parameters
    array_schema: dict[str, Any] | None

    def validate(self, values: list[str] | None) -> tuple[Any, list[ErrorItem]]:
        """Typed value (default applied) and the pydantic items for this parameter."""
        if not values:
            if self.parameter.required:
                return None, [{"type": "missing", "loc": list(self.loc), "msg": "Field required", "input": None}]
            return self.parameter.default, []
        if self.scalar is not None:
            text = values[-1]
            value, problem = self.scalar.check(text)
            return value, [] if problem is None else [_item(problem, list(self.loc), text)]
        assert self.item is not None and self.array_schema is not None
        typed, errors = [], []
        for index, text in enumerate(values):
            value, problem = self.item.check(text)
            if problem is not None:
                errors.append(_item(problem, [*self.loc, index], text))
            typed.append(value)
        if not errors:
            problem = check_constraints(typed, self.array_schema)
            if problem is not None:
                errors.append(_item(problem, list(self.loc), values))
        return typed, errors


def _item(problem: Problem, loc: list[Any], given: Any) -> ErrorItem:
    kind, msg, ctx = problem
    item: ErrorItem = {"type": kind, "loc": loc, "msg": msg, "input": given}
    if ctx is not None:
        item["ctx"] = ctx
    return item


def compile_parameter(parameter: Parameter, resolver: Resolver) -> ParameterRule:
    schema = _non_null(parameter.schema, resolver)
    loc = (parameter.location, parameter.name)
    if schema.get("type") == "array":
        items = _non_null(schema.get("items", {}), resolver)
        return ParameterRule(parameter, loc, _scalar(items), None, schema)
    return ParameterRule(parameter, loc, None, _scalar(schema), None)
