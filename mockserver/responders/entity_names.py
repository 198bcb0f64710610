"""The world's entities in the analytics the world does not generate yet.

The knowledge, memory, mocks, policies and integration-connection analytics are
still answered by the schema responder (README, the table of analytics
operations). Their numbers are generated, but the entities they name must not
be: an ``agent_id`` the agents list does not hold, or a ``policy_name`` no policy
has, sends a dashboard's drill-down nowhere. This pass replaces every
entity-naming field of a generated analytics body with an entity of the
catalog, the same ids and names ``GET /v1/agents``, ``/v1/knowledge-base/...``,
``/v1/mocks`` and ``/v1/policies`` list:

- a row's child entity belongs to its parent (a document to the row's
  knowledge base, a scenario to the row's mock, a revision to the row's policy
  or, outside the policies family, to the row's agent);
- a filter the request names (``agent_id=...``) is the entity every row names;
- rows of a list name different entities, in catalog order from a start drawn
  from the request, and a list that names one entity per row (not a time
  series) keeps one row per entity: a by-agent list never repeats an agent.

Only string fields are replaced; which fields name which entity is the table
:data:`ROLES`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mockserver.resources.entities import collection
from mockserver.responders.base import Generated, MockRequest
from mockserver.world.catalog import Catalog

__all__ = ["ROLES", "CatalogNames"]

_STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # entity timestamps are not read here
_TIME_FIELDS = ("time_bucket", "bucket", "date", "day", "timestamp", "period_start", "week")


@dataclass(frozen=True, slots=True)
class Role:
    kind: str  # the pool the entity comes from
    id_fields: tuple[str, ...]
    name_fields: tuple[str, ...] = ()
    parent: str | None = None  # the pool of the entity this one must belong to, when the row names one
    families: tuple[str, ...] = ()  # the analytics families the role applies in (all when empty)


# Parents before children: a row's child is drawn among the chosen parent's children.
ROLES = (
    Role("agents", ("agent_id",), ("agent_name",)),
    Role("tools", ("tool_id",), ("tool_name",)),
    Role("integrations", ("integration_key",)),
    Role("knowledge_bases", ("knowledge_base_id", "kb_id"), ("knowledge_base_name", "kb_name")),
    Role("documents", ("document_id",), ("document_title",), parent="knowledge_bases"),
    Role("mocks", ("mock_id",), ("mock_name",)),
    Role("mock_scenarios", ("scenario_id",), ("scenario_name",), parent="mocks"),
    Role("policies", ("policy_id",), ("policy_name",)),
    Role("policy_revisions", ("revision_id",), ("revision_name",), parent="policies", families=("policies",)),
    Role("agent_revisions", ("revision_id",), (), parent="agents", families=("sessions", "tools", "integrations",
                                                                              "knowledge", "memory", "mocks")),
)


@dataclass(frozen=True, slots=True)
class Named:
    id: str
    name: str
    parent: str | None  # the parent entity's id


EntityPools = dict[str, list[Named]]


class CatalogNames:
    """The entity pools of one catalog, per world seed (kept for the 64 most recent seeds)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.pools = lru_cache(maxsize=64)(self._pools)

    def _pools(self, seed: int) -> EntityPools:
        """Every entity an analytics row can name, by pool, in catalog order."""
        catalog = self.catalog

        def built(name: str, parent_field: str | None = None, name_field: str = "name") -> list[Named]:
            return [Named(e.id, str(e.fields.get(name_field, "")), e.fields.get(parent_field) if parent_field else None)
                    for e in collection(catalog, seed, _STAMP, name)]

        return {
            "agents": [Named(a.id, a.name, None) for a in catalog.agents],
            "agent_revisions": [Named(a.revision_id, a.name, a.id) for a in catalog.agents],
            "tools": [Named(t.id, t.name, None) for t in catalog.tools],
            "integrations": [Named(i.key, i.key, None) for i in catalog.integrations],
            "knowledge_bases": built("knowledge_bases"),
            "documents": built("documents", "knowledge_base_id", "title"),
            "mocks": built("mocks"),
            "mock_scenarios": built("mock_scenarios", "mock_id"),
            "policies": built("policies"),
            "policy_revisions": built("policy_revisions", "policy_id"),
        }

    def respond(self, generated: Generated, request: MockRequest) -> Generated:
        """``generated`` with every entity-naming field naming an entity of this catalog."""
        if not 200 <= generated.status < 300 or generated.content is None:
            return generated
        family = request.operation.path.removeprefix("/v1/analytics/").split("/", 1)[0]
        roles = [r for r in ROLES if not r.families or family in r.families]
        start = int.from_bytes(hashlib.blake2b(request.fingerprint, digest_size=4).digest(), "big")
        namer = _Namer(self.pools(request.seed), roles, request.params, start)
        return Generated(generated.status, namer.visit(generated.content), generated.headers, generated.uses_clock)


class _Namer:
    def __init__(self, pools: EntityPools, roles: list[Role], params: dict[str, Any], start: int) -> None:
        self.pools, self.roles, self.params, self.start = pools, roles, params, start

    def visit(self, value: Any) -> Any:
        if isinstance(value, dict):
            self._row(value, 0)
            return self._inside(value)
        if isinstance(value, list):
            rows = [self._row(item, i) if isinstance(item, dict) else () for i, item in enumerate(value)]
            kept = list(zip(value, rows))
            if value and all(isinstance(item, dict) for item in value) and \
                    not any(field in value[0] for field in _TIME_FIELDS):
                seen: set[tuple[str, ...]] = set()
                kept = [(item, named) for item, named in kept
                        if not named or (named not in seen and not seen.add(named))]  # type: ignore[func-returns-value]
            return [self._inside(item) if isinstance(item, dict) else self.visit(item) for item, _ in kept]
        return value

    def _inside(self, row: dict[str, Any]) -> dict[str, Any]:
        for key, child in row.items():
            row[key] = self.visit(child)
        return row

    def _row(self, row: dict[str, Any], position: int) -> tuple[str, ...]:
        """Names the row's entities; returns the ids it names (empty when it names none)."""
        chosen = self._filtered()
        named: list[str] = []
        for role in self.roles:
            if not any(isinstance(row.get(f), str) for f in (*role.id_fields, *role.name_fields)):
                continue
            entity = chosen.get(role.kind)
            if entity is None:
                candidates = self.pools.get(role.kind, [])
                parent = chosen.get(role.parent) if role.parent else None
                if parent is not None:
                    candidates = [c for c in candidates if c.parent == parent.id]
                if not candidates:
                    continue
                entity = chosen[role.kind] = candidates[(self.start + position) % len(candidates)]
            named.append(entity.id)
            for f in role.id_fields:
                if isinstance(row.get(f), str):
                    row[f] = entity.id
            for f in role.name_fields:
                if isinstance(row.get(f), str):
                    row[f] = entity.name
        return tuple(named)

    def _filtered(self) -> dict[str, Named]:
        """The entities the request's filters name (``mock_id=...``): every row names them, or their children."""
        chosen: dict[str, Named] = {}
        for role in self.roles:
            wanted = next((str(self.params[f]) for f in role.id_fields if self.params.get(f) is not None), None)
            entity = next((c for c in self.pools.get(role.kind, []) if c.id == wanted), None) if wanted else None
            if entity is not None:
                chosen[role.kind] = entity
        return chosen
