"""Matching a request path against every contract's path templates.

Static paths are looked up in a dict; templated ones are tried grouped by segment
count, those with fewer variables first, so ``/v1/agents/search`` beats
``/v1/agents/{agent_id}`` whatever order the document lists them in.
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

    @property
    def allow(self) -> str:
        return ", ".join(sorted(self.operations))


@dataclass(frozen=True, slots=True)
class RouteMatch:
    item: PathItem
    path_params: dict[str, str]


class Router:
    def __init__(self, operations: list[Operation]) -> None:
        items: dict[str, PathItem] = {}
        for op in operations:
            item = items.setdefault(op.path, PathItem(op.path))
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

    def match(self, path: str) -> RouteMatch | None:
        item = self._static.get(path)
        if item is not None:
            return RouteMatch(item, {})
        for _, regex, names, item in self._templated.get(path.count("/"), ()):
            found = regex.match(path)
            if found:
                return RouteMatch(item, {n: unquote(v) for n, v in zip(names, found.groups())})
        return None

