"""A JSON value that validates against a schema, shaped like real data.

Used for every operation without a dedicated generator. Recursion is bounded:
past ``MAX_DEPTH`` optional properties are left out, nullable values are null and
arrays are empty where the schema allows, so recursive schemas terminate.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

from mockserver.http.constraints import check_constraints
from mockserver.http.scalars import FORMAT_PARSERS
from mockserver.json_equality import json_key
from mockserver.responders.base import Impossible
from mockserver.responders.regex_sample import sample_regex
from mockserver.responders.values import ValueSource
from mockserver.spec.refs import Resolver

__all__ = ["SchemaFaker", "MAX_DEPTH", "MAX_VALUES", "TooLarge"]

MAX_DEPTH = 6
# Values one generated body may hold. Each schema's own sizes are checked at startup (spec/checks.py), but
# nesting multiplies them: an array of 10,000 arrays of 10,000 would take minutes and gigabytes to make.
MAX_VALUES = 200_000
_OPTIONAL_KEPT = 0.85
_NULL_CHANCE = 0.15


class TooLarge(Impossible):
    """The schema asks for a body of more than :data:`MAX_VALUES` values: answered as a 400 that says so."""


class SchemaFaker:
    def __init__(self, resolver: Resolver, values: ValueSource, echo: dict[str, Any]) -> None:
        self.resolver = resolver
        self.values = values
        self.rng = values.rng
        self.echo = echo  # path parameters, returned in the fields that carry them
        self.left = MAX_VALUES

    def generate(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        self.left -= 1
        if self.left < 0:
            raise TooLarge(f"The response this operation's schema asks for would hold over {MAX_VALUES:,} values; "
                           "the sandbox makes at most that many (docs/robustness.md)")
        schema = self.resolver.deref(schema)
        if not isinstance(schema, dict) or not schema:
            return self.values.faker.word()  # {} or a boolean schema: any value is valid
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.values.choice(schema["enum"])
        if "allOf" in schema:
            return self.generate(self._merge_all_of(schema), name, depth)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._union(schema, schema[key], name, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            if not non_null or ("null" in kind and (depth >= MAX_DEPTH or self.rng.random() < _NULL_CHANCE)):
                return None
            kind = non_null[0]
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "string":
            return self._string(schema, name)
        if kind == "integer":
            return self._integer(schema, name)
        if kind == "number":
            return self._number(schema, name)
        if kind == "boolean":
            return self.rng.random() < 0.6
        return None

    # -- composition ---------------------------------------------------------------
    def _merge_all_of(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.resolver.deref(part)
            if "allOf" in part:
                part = self._merge_all_of(part)
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(value))
                else:
                    merged.setdefault(key, value)
        return merged

    def _union(self, schema: dict[str, Any], branches: list[Any], name: str, depth: int) -> Any:
        resolved = [self.resolver.deref(b) for b in branches]
        concrete = [i for i, b in enumerate(resolved) if b.get("type") != "null"]
        has_null = len(concrete) < len(resolved)
        if not concrete or (has_null and (depth >= MAX_DEPTH or self.rng.random() < _NULL_CHANCE)):
            return None
        index = concrete[0] if len(concrete) == 1 else concrete[self.rng.randrange(len(concrete))]
        value = self.generate(branches[index], name, depth)
        discriminator = schema.get("discriminator")
        if discriminator and isinstance(value, dict):
            ref = branches[index].get("$ref", "") if isinstance(branches[index], dict) else ""
            tag = next((k for k, v in discriminator.get("mapping", {}).items() if v == ref), None)
            if tag is not None:
                value[discriminator["propertyName"]] = tag
        return value

    # -- containers ----------------------------------------------------------------
    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        result: dict[str, Any] = {}
        for prop, sub in properties.items():
            if prop not in required and (depth >= MAX_DEPTH or self.rng.random() > _OPTIONAL_KEPT):
                continue
            echoed = self._echo(prop, sub, depth)
            result[prop] = echoed if echoed is not None else self.generate(sub, prop, depth + 1)
        extra = schema.get("additionalProperties")
        if not properties and isinstance(extra, dict) and depth < MAX_DEPTH:
            names = schema.get("propertyNames", {})
            for _ in range(self.rng.randint(1, 2)):
                key = self.generate(names, "key", depth + 1) if names else self.values.faker.word()
                result[str(key)] = self.generate(extra, str(key), depth + 1)
        return result

    def _echo(self, prop: str, sub: Any, depth: int) -> Any:
        """Path identifiers come back in the matching fields (``agent_id``, or ``id``)."""
        if prop in self.echo:
            value = self.echo[prop]
        elif prop == "id" and depth == 0 and "__resource_id__" in self.echo:
            value = self.echo["__resource_id__"]
        else:
            return None
        return fitted(self.resolver, sub, value)

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", max(low, 3))
        if depth >= MAX_DEPTH:
            high = low
        count = self.rng.randint(max(low, min(1, high)), max(low, min(high, 3)))
        singular = name[:-1] if name.endswith("s") else name
        items = schema.get("items", {})
        result: list[Any] = []
        unique = bool(schema.get("uniqueItems"))
        seen: set[Any] = set()  # the items' JSON keys, when they must be unique (one pass, not every pair)
        attempts = 0
        while len(result) < count and attempts < count * 4:
            attempts += 1
            value = self.generate(items, singular, depth + 1)
            if unique:
                key = json_key(value)
                if key in seen:
                    continue
                seen.add(key)
            result.append(value)
        if unique and len(result) < low:  # the draws kept repeating themselves: the fewest values in a fixed order
            for value in self._distinct_values(items):
                if len(result) >= low:
                    break
                key = json_key(value)
                if key not in seen:
                    seen.add(key)
                    result.append(value)
        return result

    def _distinct_values(self, items: Any) -> Iterator[Any]:
        """Values ``items`` allows, all different, in a fixed order, for a ``uniqueItems`` array whose random
        draws fell short of ``minItems`` (an enum of five drawn twenty times misses one about 6 % of the time;
        a word list runs out): the enum in order, both booleans, integers upward from the lowest allowed, or
        digit strings of the allowed length. Nothing for other schemas (patterns, formats, objects)."""
        schema = self.resolver.deref(items)
        if not isinstance(schema, dict):
            return
        if "enum" in schema or "const" in schema:
            yield from schema.get("enum", [schema.get("const")])
            return
        kind = schema.get("type")
        if kind == "boolean":
            yield from (False, True)
        elif kind == "integer":
            low = schema.get("minimum", 0)
            if "exclusiveMinimum" in schema:
                low = max(low, math.floor(schema["exclusiveMinimum"]) + 1)
            high = schema.get("maximum", 2**53)
            if "exclusiveMaximum" in schema:
                high = min(high, math.ceil(schema["exclusiveMaximum"]) - 1)
            step = schema.get("multipleOf")
            step = step if isinstance(step, int) and step > 0 else 1
            yield from range(-(-math.ceil(low) // step) * step, math.floor(high) + 1, step)
        elif kind == "string" and not {"pattern", "format"} & set(schema):
            shortest, longest = schema.get("minLength", 1), schema.get("maxLength", 64)
            number = 0
            while len(str(number)) <= longest:
                yield str(number).rjust(shortest, "0")
                number += 1

    # -- scalars -------------------------------------------------------------------
    def _string(self, schema: dict[str, Any], name: str) -> str:
        if "pattern" in schema:
            sampled = sample_regex(schema["pattern"], self.rng)
            if sampled is not None:
                return sampled
        value = self.values.by_format(schema.get("format", "")) or self.values.string_for(name)
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if high is not None and len(value) > high:
            value = value[:high]
        while len(value) < low:
            value += self.values.faker.word()
        if high is not None:
            value = value[:high]
        return value

    def _integer(self, schema: dict[str, Any], name: str) -> int:
        low = schema.get("minimum", -(2**31))
        high = schema.get("maximum", 2**31)
        if "exclusiveMinimum" in schema:
            low = max(low, math.floor(schema["exclusiveMinimum"]) + 1)
        if "exclusiveMaximum" in schema:
            high = min(high, math.ceil(schema["exclusiveMaximum"]) - 1)
        value = self.values.integer_for(name, int(low), int(high))
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            value = max(low, (value // step) * step)
        return value

    def _number(self, schema: dict[str, Any], name: str) -> float:
        low = float(schema.get("minimum", schema.get("exclusiveMinimum", -1e9)))
        high = float(schema.get("maximum", schema.get("exclusiveMaximum", 1e9)))
        value = self.values.number_for(name, low, high)
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            value = float(schema["exclusiveMinimum"]) + 0.01
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            value = float(schema["exclusiveMaximum"]) - 0.01
        return value


def fitted(resolver: Resolver, schema: Any, value: Any) -> Any:
    """``value`` as the field ``schema`` can carry it (a digit string becomes an integer id), or None if it cannot:
    strings of the right format and constraints, integers within bounds, booleans."""
    target = resolver.deref(schema)
    branches = [resolver.deref(b) for b in target.get("anyOf", [target])]
    if isinstance(value, bool):
        return value if any(b.get("type") == "boolean" for b in branches) else None
    if isinstance(value, str) and any(b.get("type") == "string" and _string_fits(value, b) for b in branches):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)  # /pets/7 -> {"id": 7} where the id is an integer
    if isinstance(value, int) and any(
            b.get("type") == "integer" and b.get("minimum", value) <= value <= b.get("maximum", value)
            and not (b.get("multipleOf") and value % b["multipleOf"]) for b in branches):
        return value
    return None


def _string_fits(value: str, schema: dict[str, Any]) -> bool:
    """An echoed identifier must still satisfy the field's format and constraints."""
    parser = FORMAT_PARSERS.get(schema.get("format", ""))
    if parser is not None and parser(value)[1] is not None:
        return False
    return check_constraints(value, schema) is None
