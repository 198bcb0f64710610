"""Contract schemas turned back into the Python types a FastAPI service declared, so pydantic validates.

The real Feather service is FastAPI + pydantic v2: its OpenAPI document was
*generated* from Python types. Reading that document backwards (a ``$ref`` to an
object schema is a model, a ``$ref`` to an enum schema an ``Enum`` class, an
inline ``enum`` a ``Literal``, ``anyOf [X, null]`` an ``X | None``, ``minimum`` a
``Field(ge=...)``...) gives types whose pydantic errors are the service's own:
lax coercion, ``*_parsing`` vs ``*_type``, the first failure per field, tagged
union items, map keys in the input's order. pydantic-core produces every item;
nothing here restates its wording.

The sandbox's deliberate strictness (docs/validation.md) wraps those types: a
string pydantic accepts but the contract's format does not (a naive date-time, a
non-hyphenated uuid) and a pattern that pydantic's ``\\s`` matches but the
contract's ECMA-262 ``\\s`` does not are refused with the item pydantic gives for
a bad value of that type.

Models are built on first use (``defer_build``) and cached per contract, so
startup does not pay for the 491 operations a session never calls.
"""

from __future__ import annotations

import datetime as dt
import enum
import keyword
import logging
import re
import threading
import uuid
from functools import lru_cache
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PydanticSchemaGenerationError,
    PydanticUserError,
    TypeAdapter,
    ValidationError,
    WrapValidator,
    create_model,
)
from pydantic_core import PydanticCustomError, SchemaError, SchemaValidator, core_schema

from mockserver.http.constraints import INTEGER_FORMATS, compile_pattern, pattern_matches
from mockserver.http.scalars import FORMAT_PARSERS, Problem
from mockserver.spec.refs import Resolver

__all__ = ["ContractTypes", "contract_types", "fastapi_items"]

_NAME = re.compile(r"[^0-9a-zA-Z_]")
_SCHEMAS = "#/components/schemas/"
_LOG = logging.getLogger("mockserver")
_PROBE = object()  # a value no schema accepts: validating it builds a type's deferred parts
_MODEL_CONFIG = ConfigDict(defer_build=True, regex_engine="rust-regex")
_FORBID_CONFIG = ConfigDict(defer_build=True, regex_engine="rust-regex", extra="forbid")


def _custom_error(problem: Problem) -> PydanticCustomError:
    """The strict check's item as pydantic raises it: its ``msg`` rendered from a template over its ``ctx``."""
    kind, msg, ctx = problem
    template = msg.replace("{", "{{").replace("}", "}}")
    if ctx and isinstance(ctx.get("error"), str) and msg.endswith(ctx["error"]):
        template = msg[: len(msg) - len(ctx["error"])].replace("{", "{{").replace("}", "}}") + "{error}"
    return PydanticCustomError(kind, template, ctx)


def _strict_format(fmt: str) -> WrapValidator:
    """After pydantic accepts a string, the contract's format must accept it too (RFC 3339, hyphenated uuid)."""
    parse = FORMAT_PARSERS[fmt]

    def check(value: Any, handler: Any) -> Any:
        result = handler(value)
        if isinstance(value, str):
            problem = parse(value)[1]
            if problem is not None:
                raise _custom_error(problem)
        return result

    return WrapValidator(check)


def _ecma_pattern(pattern: str) -> WrapValidator:
    """A pattern with ``\\s`` or ``\\S``, matched with the contract's ECMA-262 meaning of them (JSON Schema's),
    after pydantic's type and length checks, failing with pydantic's own item for the pattern as written."""
    def check(value: Any, handler: Any) -> Any:
        result = handler(value)
        if isinstance(result, str) and not pattern_matches(pattern, result):
            raise PydanticCustomError("string_pattern_mismatch", "String should match pattern '{pattern}'",
                                      {"pattern": pattern})
        return result

    return WrapValidator(check)


_FORMAT_TYPES: dict[str, Any] = {"uuid": uuid.UUID, "date-time": dt.datetime, "date": dt.date, "time": dt.time,
                                 "duration": dt.timedelta, "binary": bytes}


def _bound(value: Any, integer: bool) -> Any:
    """An integer field's bound written ``1.0`` is the ``1`` the service declared."""
    if integer and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def contract_types(resolver: Resolver) -> ContractTypes:
    """The contract's types, built once per contract (kept beside its resolver)."""
    found = resolver.extras.get("python_types")
    if found is None:
        found = resolver.extras["python_types"] = ContractTypes(resolver)
    return found  # type: ignore[no-any-return]


def fastapi_items(exc: ValidationError, prefix: list[Any]) -> list[dict[str, Any]]:
    """pydantic's items as FastAPI renders them: without ``url``, under the parameter's or the body's ``loc``
    (``fastapi._compat._regenerate_error_with_loc``), values made JSON-safe as ``jsonable_encoder`` would."""
    items = []
    for error in exc.errors(include_url=False):
        item: dict[str, Any] = {"type": error["type"], "loc": [*prefix, *error["loc"]], "msg": error["msg"],
                                "input": _jsonable(error["input"])}
        if "ctx" in error:
            item["ctx"] = {key: _jsonable(value) for key, value in error["ctx"].items()}
        items.append(item)
    return items


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, BaseException):
        return str(value)
    return str(value)


class ContractTypes:
    """One contract's schemas as Python types: models and enums per component, cached by name."""

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        components = resolver.document.get("components", {})
        self._schemas: dict[str, Any] = components.get("schemas", {}) if isinstance(components, dict) else {}
        self._named: dict[str, Any] = {}
        self._adapters: dict[int, TypeAdapter[Any]] = {}
        self._building: set[str] = set()
        self._lock = threading.RLock()

    # -- public ---------------------------------------------------------------------------------------------
    def adapter(self, schema: Any) -> TypeAdapter[Any]:
        """A validator for values of this schema (built once per schema object, fully: no deferred part is left
        to build on a request). Built under the contract's lock: operations' validators are built at their first
        request, on the generation threads, and the named types and the recursion guard are shared."""
        key = id(schema)
        found = self._adapters.get(key)
        if found is not None:
            return found
        with self._lock:
            return self._build_adapter(schema, key)

    def _build_adapter(self, schema: Any, key: int) -> TypeAdapter[Any]:
        found = self._adapters.get(key)
        if found is None:
            try:
                found = TypeAdapter(self.annotation(schema), config=None if self._is_model(schema) else _MODEL_CONFIG)
                try:
                    found.validate_python(_PROBE)  # builds every deferred model now: no surprise on a request
                except ValidationError:
                    pass
            except (PydanticUserError, PydanticSchemaGenerationError, SchemaError, TypeError, ValueError,
                    RecursionError, NameError) as exc:
                # A schema no Python type expresses (an enum of objects, a broken discriminator...): accepted
                # unvalidated rather than failing the contract; said once, when its operation is first called.
                _LOG.warning("a schema is not validated (%s: %s): %.200s", type(exc).__name__, exc, schema)
                found = TypeAdapter(Any)
            self._adapters[key] = found
        return found

    def annotation(self, schema: Any) -> Any:
        if not isinstance(schema, dict) or not schema:
            return Any
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref.startswith(_SCHEMAS) and "/" not in ref[len(_SCHEMAS):]:
                return self._named_type(ref[len(_SCHEMAS):].replace("~1", "/").replace("~0", "~"))
            return self.annotation(self._resolver.deref(schema))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._union(schema, schema[key])
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self._constrained(self.annotation(schema["allOf"][0]), schema, None)
        if "const" in schema:
            return Literal[schema["const"]]
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            literal: Any = Literal[tuple(values)] if values else type(None)
            return Optional[literal] if None in schema["enum"] and values else literal
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            inner = self.annotation({**schema, "type": kinds[0]}) if len(kinds) == 1 else Any
            return Optional[inner] if "null" in kind else inner
        if schema.get("nullable") is True:
            return Optional[self.annotation({k: v for k, v in schema.items() if k != "nullable"})]
        return self._typed(kind, schema)

    # -- internals ------------------------------------------------------------------------------------------
    def _is_model(self, schema: Any) -> bool:
        made = self.annotation(schema)
        return isinstance(made, type) and issubclass(made, BaseModel)

    def _named_type(self, name: str) -> Any:
        if name in self._named:
            return self._named[name]
        schema = self._schemas.get(name)
        if not isinstance(schema, dict):
            return Any
        if "enum" in schema and "properties" not in schema:
            members = {self._member_name(v, i): v for i, v in enumerate(schema["enum"]) if v is not None}
            base: Any = str if schema.get("type") == "string" else int if schema.get("type") == "integer" else object
            made: Any = enum.Enum(_python_name(name), members, type=base) if base is not object else Literal[
                tuple(members.values())]
            self._named[name] = made
            return made
        if schema.get("properties") or (schema.get("type") == "object" and "additionalProperties" not in schema):
            if name in self._building:
                return name  # a forward reference, resolved when the model is rebuilt
            self._building.add(name)
            try:
                model = self._model(_python_name(name), schema)
            finally:
                self._building.discard(name)
            self._named[name] = model
            if not self._building:  # the outermost model: every forward reference can be resolved now
                namespace = {_python_name(n): t for n, t in self._named.items()}
                for made_model in list(self._named.values()):
                    if isinstance(made_model, type) and issubclass(made_model, BaseModel) and \
                            not made_model.__pydantic_fields_complete__:
                        made_model.model_rebuild(_types_namespace=namespace, raise_errors=False)
            return model
        made = self.annotation(schema)
        self._named[name] = made
        return made

    @staticmethod
    def _member_name(value: Any, index: int) -> str:
        text = _NAME.sub("_", str(value)) or f"value_{index}"
        return f"m_{index}_{text}"

    def _model(self, name: str, schema: dict[str, Any]) -> type[BaseModel]:
        required = set(schema.get("required", ()))
        fields: dict[str, Any] = {}
        for index, (prop, prop_schema) in enumerate((schema.get("properties") or {}).items()):
            annotation = self.annotation(prop_schema)
            python = prop if prop.isidentifier() and not keyword.iskeyword(prop) and not prop.startswith("_") \
                and prop not in _RESERVED else f"field_{index}"
            if prop in required:
                default: Any = ...
            else:
                default = prop_schema.get("default") if isinstance(prop_schema, dict) else None
            fields[python] = (annotation, Field(default, alias=prop) if python != prop else default)
        extra = schema.get("additionalProperties")
        config = _FORBID_CONFIG if extra is False else _MODEL_CONFIG
        return create_model(name, __config__=config, **fields)  # type: ignore[call-overload, no-any-return]

    def _union(self, schema: dict[str, Any], branches: list[Any]) -> Any:
        nullable = any(isinstance(b, dict) and b.get("type") == "null" for b in branches)
        members = [self.annotation(b) for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
        if not members:
            return type(None)
        inner: Any = members[0] if len(members) == 1 else Union[tuple(members)]
        discriminator = schema.get("discriminator")
        if len(members) > 1 and isinstance(discriminator, dict) and "propertyName" in discriminator:
            inner = Annotated[inner, Field(discriminator=discriminator["propertyName"])]
        return Optional[inner] if nullable else inner

    def _typed(self, kind: Any, schema: dict[str, Any]) -> Any:
        if kind == "string":
            fmt = schema.get("format")
            if fmt in _FORMAT_TYPES:
                base: Any = _FORMAT_TYPES[fmt]
                if fmt in FORMAT_PARSERS:
                    return Annotated[base, _strict_format(fmt)]
                return base
            return self._constrained(str, schema, False)
        if kind == "integer":
            bounds = INTEGER_FORMATS.get(schema.get("format", ""))
            if bounds is not None:  # OpenAPI's int32/int64 (FastAPI contracts never declare them)
                schema = {**schema, "minimum": max(bounds[0], schema.get("minimum", bounds[0])),
                          "maximum": min(bounds[1], schema.get("maximum", bounds[1]))}
            return self._constrained(int, schema, True)
        if kind == "number":
            return self._constrained(float, schema, False)
        if kind == "boolean":
            return bool
        if kind == "null":
            return type(None)
        if kind == "array":
            if "prefixItems" in schema:
                items = tuple(self.annotation(s) for s in schema["prefixItems"])
                return tuple[items]  # type: ignore[valid-type]
            return self._constrained(list[self.annotation(schema.get("items", {}))], schema, None)  # type: ignore[misc]
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            if schema.get("properties"):
                return self._model(_python_name(schema.get("title", "Inline")), schema)
            values = schema.get("additionalProperties")
            names = schema.get("propertyNames")
            key: Any = self.annotation({"type": "string", **names}) if isinstance(names, dict) else str
            return dict[key, self.annotation(values) if isinstance(values, dict) else Any]  # type: ignore[misc, valid-type]
        return Any

    def _constrained(self, base: Any, schema: dict[str, Any], integer: bool | None) -> Any:
        """``Field`` constraints from the keywords FastAPI writes for them."""
        limits: dict[str, Any] = {}
        numeric = integer is not None and base in (int, float)
        for keyword_, name in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"),
                               ("exclusiveMaximum", "lt"), ("multipleOf", "multiple_of")):
            if keyword_ in schema and numeric:
                limits[name] = _bound(schema[keyword_], bool(integer))
        for keyword_, name in (("minLength", "min_length"), ("maxLength", "max_length"),
                               ("minItems", "min_length"), ("maxItems", "max_length")):
            if keyword_ in schema:
                limits[name] = schema[keyword_]
        wrappers: list[Any] = []
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and base is str and compile_pattern(pattern) is not None \
                and _runs_on_rust_regex(pattern):
            if "\\s" in pattern or "\\S" in pattern:
                wrappers.append(_ecma_pattern(pattern))  # the contract's \s, checked where pydantic checks patterns
                limits["json_schema_extra"] = {"pattern": pattern}  # published as the service publishes it
            else:
                limits["pattern"] = pattern
        if not limits and not wrappers:
            return base
        return Annotated[base, Field(**limits), *wrappers] if limits else Annotated[base, *wrappers]


# Names a pydantic model cannot use for a field (BaseModel's own attributes).
_RESERVED = frozenset(dir(BaseModel)) | {"model_config", "schema", "json", "copy", "dict", "validate"}


@lru_cache(maxsize=1024)
def _runs_on_rust_regex(pattern: str) -> bool:
    """Look-around and back-references cannot run in linear time: such a pattern is not enforced (startup
    reports it, docs/validation.md), as before."""
    try:
        SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError:
        return False
    return True


def _python_name(name: str) -> str:
    cleaned = _NAME.sub("_", name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"M_{cleaned}"
