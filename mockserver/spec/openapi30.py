"""OpenAPI 3.0 schemas read with 3.0 rules: rewritten once, at load, into their 3.1 (JSON Schema 2020-12) meaning.

Everything downstream (validators, the schema responder) speaks 3.1. A 3.0
document differs where the same keyword means something else:

* ``nullable: true`` admits ``null``: ``type: X`` becomes ``type: [X, "null"]``, an
  ``enum`` gains ``null``, and a schema without ``type`` (a ``$ref``, ``allOf``...)
  becomes ``anyOf: [schema, {type: null}]``;
* ``exclusiveMinimum: true`` (with ``minimum: m``) is 3.1's ``exclusiveMinimum: m``,
  and ``false`` means nothing; the same for the maximum.

Only those keywords with those (boolean) values are touched, anywhere in the
document, so a property that happens to be *named* ``nullable`` is left alone.
The served document (``/openapi/<name>.json``) stays the file as written.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["is_openapi30", "upgrade_to_31"]


def is_openapi30(document: dict[str, Any]) -> bool:
    return str(document.get("openapi", "")).startswith("3.0")


def upgrade_to_31(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a 3.0 document whose schemas mean, under 3.1 rules, what they meant under 3.0."""
    upgraded = copy.deepcopy(document)
    stack: list[Any] = [upgraded]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            _upgrade_bounds(node)
            if node.get("nullable") is True or node.get("nullable") is False:
                _upgrade_nullable(node)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return upgraded


def _upgrade_bounds(schema: dict[str, Any]) -> None:
    for exclusive, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = schema.get(exclusive)
        if flag is True and isinstance(schema.get(inclusive), (int, float)):
            schema[exclusive] = schema.pop(inclusive)
        elif flag is True or flag is False:
            del schema[exclusive]


def _upgrade_nullable(schema: dict[str, Any]) -> None:
    if not schema.pop("nullable"):
        return
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return
    if isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
        return
    inner = dict(schema)
    schema.clear()
    schema["anyOf"] = [inner, {"type": "null"}]
