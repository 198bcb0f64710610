"""JSON Schema's equality of two JSON values, as a hashable key: for checking and making unique items in one pass.

``1`` and ``1.0`` are equal, ``true`` and ``1`` are not, objects are equal by their members in any order and
arrays item by item (JSON Schema 2020-12, "instance equality"; jsonschema's ``equal``). jsonschema's own
``uniqueItems`` compares every pair of items it cannot sort, which a large body turns into minutes of work.
"""

from __future__ import annotations

from typing import Any

__all__ = ["json_key"]


def json_key(value: Any) -> Any:
    """A hashable stand-in, equal to another's exactly when the two values are equal as JSON."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((name, json_key(item)) for name, item in value.items()))
    return ("other", id(value))
