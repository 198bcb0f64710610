"""Schema keyword checks on an already-typed value, worded as pydantic words them.

Shared by parameter validation and body validation so that ``limit=0`` in a query
and ``"limit": 0`` in a body fail with the same item.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic_core import SchemaError, SchemaValidator, ValidationError, core_schema

from mockserver.http.scalars import Problem

__all__ = ["INTEGER_FORMATS", "check_constraints", "compile_pattern", "ecma_pattern", "expected_phrase", "pattern_matches"]


# JSON Schema patterns are ECMA-262 regular expressions, where \s is a fixed set
# of spaces; Python's \s also matches \x1c-\x1f and \x85, which would reject
# values every JSON Schema validator accepts. Patterns are rewritten to the ECMA
# class before compiling. (pydantic-core's Rust regex differs from ECMA only on
# \x85 and \ufeff; docs/validation.md.)
_ECMA_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"

# OpenAPI's integer formats are ranges (3.0 and 3.1 "Data Types").
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def ecma_pattern(pattern: str) -> str:
    """The pattern with ECMA-262's ``\\s``/``\\S`` spelled out as classes (what JSON Schema means by them)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            if pair == "\\s":
                out.append(_ECMA_SPACE if in_class else f"[{_ECMA_SPACE}]")
            elif pair == "\\S" and not in_class:
                out.append(f"[^{_ECMA_SPACE}]")
            else:
                out.append(pair)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


class _Matcher:
    """One pattern on pydantic-core's engine (Rust ``regex``): time linear in the input, whatever the pattern.

    pydantic-core is what the real FastAPI service runs patterns with, so this is
    also its exact dialect (``\\d`` and ``\\w`` are Unicode-aware there, as here).
    """

    __slots__ = ("_validator",)

    def __init__(self, validator: SchemaValidator) -> None:
        self._validator = validator

    def search(self, text: str) -> bool:
        try:
            self._validator.validate_python(text)
        except ValidationError:
            return False
        return True


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> _Matcher | None:
    """The pattern's matcher; ``None`` for a pattern a linear-time engine cannot run.

    Look-around and back-references need a backtracking engine, which a crafted input
    can keep busy for minutes. Such patterns are reported at startup
    (``spec/checks.py``) and not enforced: the sandbox never runs a
    backtracking engine on request data (docs/validation.md).
    """
    try:
        return _Matcher(SchemaValidator(core_schema.str_schema(pattern=ecma_pattern(pattern))))
    except SchemaError:
        return None


def pattern_matches(pattern: str, text: str) -> bool:
    """Unanchored, as pydantic-core (and JSON Schema) match patterns; unsupported patterns match anything."""
    matcher = compile_pattern(pattern)
    return matcher is None or matcher.search(text)


def expected_phrase(options: list[Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" listing of allowed values."""
    quoted = [repr(o) if isinstance(o, str) else str(o) for o in options]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_constraints(value: Any, schema: dict[str, Any]) -> Problem | None:
    if "enum" in schema and value not in schema["enum"]:
        phrase = expected_phrase(schema["enum"])
        return ("enum", f"Input should be {phrase}", {"expected": phrase})
    if "const" in schema and value != schema["const"]:
        phrase = expected_phrase([schema["const"]])
        return ("literal_error", f"Input should be {phrase}", {"expected": phrase})
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            n = schema["minLength"]
            return ("string_too_short", f"String should have at least {_plural(n, 'character')}", {"min_length": n})
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            n = schema["maxLength"]
            return ("string_too_long", f"String should have at most {_plural(n, 'character')}", {"max_length": n})
        if "pattern" in schema and not pattern_matches(schema["pattern"], value):
            p = schema["pattern"]
            return ("string_pattern_mismatch", f"String should match pattern '{p}'", {"pattern": p})
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            b = schema["minimum"]
            return ("greater_than_equal", f"Input should be greater than or equal to {b}", {"ge": b})
        if "maximum" in schema and value > schema["maximum"]:
            b = schema["maximum"]
            return ("less_than_equal", f"Input should be less than or equal to {b}", {"le": b})
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            b = schema["exclusiveMinimum"]
            return ("greater_than", f"Input should be greater than {b}", {"gt": b})
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            b = schema["exclusiveMaximum"]
            return ("less_than", f"Input should be less than {b}", {"lt": b})
        if "multipleOf" in schema and value % schema["multipleOf"] != 0:
            b = schema["multipleOf"]
            return ("multiple_of", f"Input should be a multiple of {b}", {"multiple_of": b})
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            n = schema["minItems"]
            return ("too_short", f"List should have at least {_plural(n, 'item')} after validation, not {len(value)}",
                    {"field_type": "List", "min_length": n, "actual_length": len(value)})
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            n = schema["maxItems"]
            return ("too_long", f"List should have at most {_plural(n, 'item')} after validation, not {len(value)}",
                    {"field_type": "List", "max_length": n, "actual_length": len(value)})
    return None
