"""Path, query and header parameters: text in, typed values or FastAPI's items out.

Each parameter is validated the way FastAPI validates it: its contract schema is
read back into the type the service declared (``pydantic_types.py``) and
pydantic validates the text (lax mode: ``limit=5`` is an int, ``flag=yes`` a
bool), so every item is pydantic-core's own, with FastAPI's ``loc`` prefix.
FastAPI conventions are kept: unknown query keys are ignored, a repeated scalar
key takes its last value, array parameters take every value, and an absent
optional parameter takes its default.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from mockserver.http.pydantic_types import contract_types, fastapi_items
from mockserver.spec.model import Parameter
from mockserver.spec.refs import Resolver

__all__ = ["ParameterRule", "compile_parameter", "ErrorItem", "plain"]

ErrorItem = dict[str, Any]


def plain(value: Any) -> Any:
    """Validated values as the generators read them: uuids as their hyphenated text, enum members as values."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _is_array(schema: Any, resolver: Resolver) -> bool:
    """A parameter FastAPI reads with ``getlist``: an array, or an optional array (``anyOf [array, null]``)."""
    schema = resolver.deref(schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "array" or (isinstance(schema.get("type"), list) and "array" in schema["type"]):
        return True
    return any(_is_array(branch, resolver) for key in ("anyOf", "oneOf") for branch in schema.get(key, ()))


@dataclass(frozen=True, slots=True)
class ParameterRule:
    parameter: Parameter
    loc: tuple[str, str]
    adapter: TypeAdapter[Any]
    is_array: bool

    def validate(self, values: list[str] | None) -> tuple[Any, list[ErrorItem]]:
        """Typed value (default applied) and FastAPI's items for this parameter."""
        if not values:
            if self.parameter.required:
                return None, [{"type": "missing", "loc": list(self.loc), "msg": "Field required", "input": None}]
            return self.parameter.default, []
        given: Any = values if self.is_array else values[-1]
        try:
            return plain(self.adapter.validate_python(given, from_attributes=True)), []
        except ValidationError as exc:
            return None, fastapi_items(exc, list(self.loc))


def compile_parameter(parameter: Parameter, resolver: Resolver) -> ParameterRule:
    types = contract_types(resolver)
    return ParameterRule(parameter, (parameter.location, parameter.name), types.adapter(parameter.schema),
                         _is_array(parameter.schema, resolver))
