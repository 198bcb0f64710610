"""JSON-pointer resolution inside one OpenAPI document."""

from __future__ import annotations

from typing import Any

__all__ = ["Resolver"]


class Resolver:
    """Resolves local ``$ref`` pointers (``#/components/...``) of one document.

    Contracts are never inlined: recursive schemas exist, so every consumer follows
    references lazily through this object.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._cache: dict[str, Any] = {}
        self.extras: dict[str, Any] = {}  # per-contract caches other layers keep beside it (validation types)

    def lookup(self, ref: str) -> Any:
        cached = self._cache.get(ref)
        if cached is not None:
            return cached
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, got {ref!r}")
        node: Any = self.document
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        self._cache[ref] = node
        return node

    def deref(self, schema: Any) -> Any:
        """Follow ``$ref`` chains until a concrete schema is reached."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema:
            target = self.lookup(schema["$ref"])
            if len(schema) > 1:
                # OpenAPI 3.1 allows siblings next to $ref (e.g. a default); merge them.
                merged = dict(target)
                merged.update({k: v for k, v in schema.items() if k != "$ref"})
                schema = merged
            else:
                schema = target
            seen += 1
            if seen > 64:
                raise ValueError("reference cycle without a concrete schema")
        return schema
