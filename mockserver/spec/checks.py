"""Startup checks of a contract: every problem that would otherwise surface as a 500 on some later request.

The loader runs these once per document and raises :class:`ContractProblem`
with the JSON pointer of the first offending place, which the CLI prints as one
line (``file: #/pointer: what is wrong``) before exiting 2. Checked:

* the shape the loader relies on: ``paths`` an object of path items, operations
  objects, parameters objects with ``name`` and a known ``in``;
* every ``$ref`` is local (``#/...``) and resolves, and no chain of ``$ref`` s
  loops without reaching a schema;
* every ``pattern`` is a valid regular expression (patterns valid only for a
  backtracking engine are returned as warnings: they are not enforced);
* every response schema has a finite instance: a required property, or a
  non-empty array, that can only be filled by the schema itself again has none,
  and the schema responder could never answer it;
* no response schema asks for more than the responder makes: a ``minLength`` over
  :data:`MAX_MIN_LENGTH` or a ``minItems`` over :data:`MAX_MIN_ITEMS` (no valid
  answer to it is small, and making one held a generation thread for minutes).
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from mockserver.http.constraints import compile_pattern, ecma_pattern

__all__ = ["ContractProblem", "check_document"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_MIN_LENGTH = 100_000  # characters a generated string may be made to reach
MAX_MIN_ITEMS = 10_000  # items a generated array may be made to hold
LOCATIONS = ("path", "query", "header", "cookie")


class ContractProblem(Exception):
    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer


def pointer(*parts: object) -> str:
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def check_document(document: dict[str, Any]) -> list[str]:
    """Raise :class:`ContractProblem` for the first fatal problem; return the warnings."""
    _check_shape(document)
    _check_refs(document)
    warnings = _check_schemas(document)
    _check_finite(document)
    _check_sizes(document)
    return warnings


def _check_shape(document: dict[str, Any]) -> None:
    paths = document.get("paths", {})
    if not isinstance(paths, dict):
        raise ContractProblem(pointer("paths"), f"must be an object of path items, not {type(paths).__name__}")
    components = document.get("components", {})
    if not isinstance(components, dict):
        raise ContractProblem(pointer("components"), "must be an object")
    for template, item in paths.items():
        if not isinstance(item, dict):
            raise ContractProblem(pointer("paths", template), "a path item must be an object")
        _check_parameters(item.get("parameters", []), ("paths", template, "parameters"), document)
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            where = ("paths", template, method)
            if not isinstance(op, dict):
                raise ContractProblem(pointer(*where), "an operation must be an object")
            _check_parameters(op.get("parameters", []), (*where, "parameters"), document)
            for key, kind in (("responses", dict), ("requestBody", dict), ("security", list)):
                if key in op and not isinstance(op[key], kind):
                    raise ContractProblem(pointer(*where, key), f"must be an {'object' if kind is dict else 'array'}")


def _check_parameters(parameters: Any, where: tuple[str, ...], document: dict[str, Any]) -> None:
    if not isinstance(parameters, list):
        raise ContractProblem(pointer(*where), "must be an array")
    for index, parameter in enumerate(parameters):
        if isinstance(parameter, dict) and isinstance(parameter.get("$ref"), str):
            continue  # checked where it points, by _check_refs and below
        if not isinstance(parameter, dict):
            raise ContractProblem(pointer(*where, index), "a parameter must be an object")
        if not isinstance(parameter.get("name"), str):
            raise ContractProblem(pointer(*where, index), "a parameter needs a 'name'")
        if parameter.get("in") not in LOCATIONS:
            raise ContractProblem(pointer(*where, index), f"'in' must be one of {', '.join(LOCATIONS)}, "
                                                          f"not {parameter.get('in')!r}")


Place = Optional[tuple["Place", Any]]  # (the parent's place, the key): a path built only when a message needs it


def _walk(node: Any) -> Iterator[tuple[Place, dict[str, Any]]]:
    """Every object in the document, depth first in document order, with its place."""
    stack: list[tuple[Place, Any]] = [(None, node)]
    while stack:
        place, current = stack.pop()
        if isinstance(current, dict):
            yield place, current
            children = [((place, k), v) for k, v in current.items() if isinstance(v, (dict, list))]
        elif isinstance(current, list):
            children = [((place, i), v) for i, v in enumerate(current) if isinstance(v, (dict, list))]
        else:
            continue
        children.reverse()
        stack.extend(children)


def _path(place: Place) -> tuple[Any, ...]:
    keys = []
    while place is not None:
        place, key = place
        keys.append(key)
    return tuple(reversed(keys))


def _under_properties(place: Place) -> bool:
    """Whether this object is a property's schema named like a keyword (``properties: {pattern: {...}}``)."""
    return place is not None and place[1] == "properties"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for raw in ref[2:].split("/") if ref != "#" else []:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(ref)
    return node


def _check_refs(document: dict[str, Any]) -> None:
    for place, node in _walk(document):
        ref = node.get("$ref")
        if not isinstance(ref, str) or _under_properties(place):
            continue
        at = _path(place)
        if not ref.startswith("#"):
            raise ContractProblem(pointer(*at), f"external reference {ref!r} is not supported: bundle the document "
                                                "into one file (e.g. with redocly bundle)")
        seen = [ref]
        target: Any = node
        while isinstance(target, dict) and isinstance(target.get("$ref"), str):
            current = target["$ref"]
            try:
                target = _resolve(document, current)
            except KeyError:
                raise ContractProblem(pointer(*at), f"reference {current!r} points at nothing") from None
            if isinstance(target, dict) and target.get("$ref") in seen:
                raise ContractProblem(pointer(*at), f"references loop without reaching a schema: {' -> '.join(seen)}")
            if isinstance(target, dict) and isinstance(target.get("$ref"), str):
                seen.append(target["$ref"])


def _check_schemas(document: dict[str, Any]) -> list[str]:
    """One walk over the document for what each schema object may hold: a pattern Python cannot read (fatal) or
    that needs a backtracking engine, and bounds no value can meet (warnings)."""
    warnings: list[str] = []
    for place, node in _walk(document):
        if _under_properties(place):
            continue
        pattern_warning = _pattern_warning(place, node) if "pattern" in node else None
        if pattern_warning:
            warnings.append(pattern_warning)
        if _BOUNDS.isdisjoint(node):
            continue
        problem = _empty_number_range(node) or next(
            (f"{low} {node[low]} > {high} {node[high]}" for low, high in _RANGES
             if _is_number(node.get(low)) and _is_number(node.get(high)) and node[low] > node[high]), None)
        if problem:
            warnings.append(f"{pointer(*_path(place))}: no value satisfies this schema ({problem}): no request can "
                            "carry one, and no answer made from it can either")
    return warnings


def _pattern_warning(place: Place, node: dict[str, Any]) -> str | None:
    pattern = node.get("pattern")
    if not isinstance(pattern, str) or compile_pattern(pattern) is not None:
        return None
    at = _path(place)
    try:
        re.compile(ecma_pattern(pattern))
    except re.error as exc:
        raise ContractProblem(pointer(*at, "pattern"), f"{pattern!r} is not a valid regular expression ({exc})") \
            from None
    return (f"{pointer(*at, 'pattern')}: {pattern!r} needs a backtracking regex engine "
            "(look-around or back-references); the sandbox does not enforce it")



# Bounds no value can meet are warned of: the contract cannot be answered as written (a warning, not a refusal:
# the other operations are fine).
_RANGES = (("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties"))
_BOUNDS = frozenset({"maximum", "exclusiveMaximum", *(high for _, high in _RANGES)})  # no upper bound: nothing to meet


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _empty_number_range(node: dict[str, Any]) -> str | None:
    """``minimum``/``exclusiveMinimum`` against ``maximum``/``exclusiveMaximum`` (numbers in 3.1, booleans beside
    the bound in 3.0), as text when they leave no number between them."""
    low, high = node.get("minimum"), node.get("maximum")
    low_open = node.get("exclusiveMinimum") is True
    high_open = node.get("exclusiveMaximum") is True
    if _is_number(node.get("exclusiveMinimum")) and (not _is_number(low) or node["exclusiveMinimum"] >= low):
        low, low_open = node["exclusiveMinimum"], True
    if _is_number(node.get("exclusiveMaximum")) and (not _is_number(high) or node["exclusiveMaximum"] <= high):
        high, high_open = node["exclusiveMaximum"], True
    if not (_is_number(low) and _is_number(high)):
        return None
    low, high = float(low), float(high)  # type: ignore[arg-type]
    if low > high or (low == high and (low_open or high_open)):
        return f"{'above' if low_open else 'from'} {low:g} {'below' if high_open else 'to'} {high:g}"
    return None

def _check_finite(document: dict[str, Any]) -> None:
    """Every component schema, and every inline response schema, has a finite instance."""
    schemas = document.get("components", {}).get("schemas", {})
    finite: dict[str, bool] = {}
    # Least fixed point: a component is finite once its finiteness follows from components known finite.
    changed = True
    while changed:
        changed = False
        for name, schema in schemas.items():
            if not finite.get(name) and _is_finite(schema, document, finite):
                finite[name] = True
                changed = True
    for template, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            for status, response in (op.get("responses") or {}).items():
                for media, content in ((response or {}).get("content") or {}).items() if isinstance(response, dict) \
                        else ():
                    schema = content.get("schema") if isinstance(content, dict) else None
                    if schema is not None and not _is_finite(schema, document, finite):
                        raise ContractProblem(
                            pointer("paths", template, method, "responses", status, "content", media, "schema"),
                            "has no finite instance (a required property or non-empty array that can only hold "
                            "the schema itself again); make the recursion optional")


def _is_finite(schema: Any, document: dict[str, Any], finite: dict[str, bool]) -> bool:
    if not isinstance(schema, dict):
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str):
        prefix = "#/components/schemas/"
        if ref.startswith(prefix) and "/" not in ref[len(prefix):]:
            return finite.get(ref[len(prefix):].replace("~1", "/").replace("~0", "~"), False)
        return _is_finite(_resolve(document, ref), document, finite)
    if "const" in schema or "enum" in schema:
        return True
    if "allOf" in schema and not all(_is_finite(s, document, finite) for s in schema["allOf"]):
        return False
    for key in ("anyOf", "oneOf"):
        if key in schema and not any(_is_finite(s, document, finite) for s in schema[key]):
            return False
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" in kinds or any(k in ("string", "integer", "number", "boolean") for k in kinds):
        return True
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    if isinstance(required, list) and isinstance(properties, dict) and \
            not all(_is_finite(properties.get(name, {}), document, finite) for name in required):
        return False
    if (schema.get("minItems") or 0) > 0 and not _is_finite(schema.get("items", {}), document, finite):
        return False
    return True


def _check_sizes(document: dict[str, Any]) -> None:
    """No schema a response can reach asks for a string or an array larger than the responder makes."""
    seen: set[int] = set()
    for template, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            for status, response in ((op.get("responses") or {}).items() if isinstance(op, dict) else ()):
                contents = (response or {}).get("content") if isinstance(response, dict) else None
                for media, content in (contents.items() if isinstance(contents, dict) else ()):
                    schema = content.get("schema") if isinstance(content, dict) else None
                    place = ("paths", template, method, "responses", status, "content", media, "schema")
                    _check_schema_sizes(schema, place, document, seen)


def _check_schema_sizes(schema: Any, place: tuple[Any, ...], document: dict[str, Any], seen: set[int]) -> None:
    stack = [(schema, place)]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            stack.append((_resolve(document, ref), tuple(ref[2:].split("/")) if ref != "#" else ()))
            continue
        for keyword, limit, what in (("minLength", MAX_MIN_LENGTH, "characters"), ("minItems", MAX_MIN_ITEMS, "items")):
            wanted = node.get(keyword)
            if isinstance(wanted, (int, float)) and not isinstance(wanted, bool) and wanted > limit:
                raise ContractProblem(pointer(*where, keyword),
                                      f"asks every response for at least {wanted:,.0f} {what}; the sandbox makes at "
                                      f"most {limit:,} (no smaller answer would be valid; docs/robustness.md)")
        for key in ("items", "additionalProperties"):  # not "not": what it excludes is not asked for
            stack.append((node.get(key), (*where, key)))
        for key in ("properties", "patternProperties"):
            children = node.get(key)
            if isinstance(children, dict):
                stack.extend((child, (*where, key, name)) for name, child in children.items())
        for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            children = node.get(key)
            if isinstance(children, list):
                stack.extend((child, (*where, key, i)) for i, child in enumerate(children))
