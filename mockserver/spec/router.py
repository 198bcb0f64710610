"""Matching a request path against every contract's path templates.

Static paths are looked up in a dict; templated ones are tried grouped by segment
count, those with fewer variables first, so ``/v1/agents/search`` beats
``/v1/agents/{agent_id}`` whatever order the document lists them in.

For FastAPI contracts, as in Starlette, a template that matches the path but
not the method does not end the search: ``GET /docs/{id}/versions/{ref}`` and
``DELETE /docs/{id}/versions/{version_id}`` can both be served. Only when no
template has the method is it a 405, whose ``Allow`` lists every method any
matching template serves at that URL.

For any other contract the OpenAPI rule holds: the most concrete path that
matches is the resource, whatever the method, so ``POST /pet/findByStatus`` is a
405 (``Allow: GET``) even though ``POST /pet/{petId}`` exists, and ``Allow``
lists exactly that path's methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from mockserver.spec.model import Operation

__all__ = ["PathItem", "Router", "RouteMatch"]

_VARIABLE = re.compile(r"\{([^}/]+)\}")


@dataclass(slots=True)
class PathItem:
    template: str
    operations: dict[str, Operation] = field(default_factory=dict)  # by upper-case method
    strict: bool = False  # OpenAPI's matching (a contract FastAPI did not generate)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    item: PathItem
    path_params: dict[str, str]
    operation: Operation | None  # None: the path exists but not with this method (405)
    allow: str = ""  # for a 405: every method served at this URL


class Router:
    def __init__(self, operations: list[Operation]) -> None:
        items: dict[str, PathItem] = {}
        for op in operations:
            item = items.setdefault(op.path, PathItem(op.path, strict=not op.fastapi))
            item.operations.setdefault(op.method, op)  # first contract wins on a clash
        self._static: dict[str, PathItem] = {}
        templated: dict[int, list[tuple[int, re.Pattern[str], tuple[str, ...], PathItem]]] = {}
        for template, item in items.items():
            names = _VARIABLE.findall(template)
            if not names:
                self._static[template] = item
                continue
            parts = _VARIABLE.split(template)  # literal, name, literal, name, ..., literal
            pattern = "".join(re.escape(p) if i % 2 == 0 else "([^/]+)" for i, p in enumerate(parts))
            segments = template.count("/")
            group = templated.setdefault(segments, [])
            group.append((len(names), re.compile(f"^{pattern}$"), tuple(names), item))
        self._templated = {n: sorted(group, key=lambda g: g[0]) for n, group in templated.items()}
        self.items = items

    def match(self, path: str, method: str) -> RouteMatch | None:
        item = self._static.get(path)
        if item is not None and method in item.operations:
            return RouteMatch(item, {}, item.operations[method])
        if item is not None and item.strict:
            return RouteMatch(item, {}, None, ", ".join(sorted(item.operations)))
        first: PathItem | None = item
        methods = set(item.operations) if item is not None else set()
        for _, regex, names, candidate in self._templated.get(path.count("/"), ()):
            found = regex.match(path)
            if not found:
                continue
            operation = candidate.operations.get(method)
            if operation is not None:
                params = {n: unquote(v) for n, v in zip(names, found.groups())}
                return RouteMatch(candidate, params, operation)
            if candidate.strict and first is None:
                return RouteMatch(candidate, {}, None, ", ".join(sorted(candidate.operations)))
            first = first or candidate
            methods.update(candidate.operations)
        if first is None:
            return None
        return RouteMatch(first, {}, None, ", ".join(sorted(methods)))

