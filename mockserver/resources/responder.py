"""List and get operations answered from the catalog's entities, declared in one table.

Each :class:`Resource` names a collection, its list and get operations, the get
operation's id parameter and the list filters it honours. A get body is the get
operation's response schema filled from the schema (deterministically, seeded
by the entity's id, so it never changes) with the world's own fields on top
(id, name, organization, times, ...); a list row is that same body cut to the
list item's schema, so ``GET /.../{id}`` and its row agree field for field. An
id the world does not know gets the documented 404 ``ErrorResponse``. Adding a
resource is one line in :data:`RESOURCES` once its entities exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from mockserver.resources.entities import Entity, collection
from mockserver.resources.filler import filler
from mockserver.resources.pages import PageError, page
from mockserver.responders.base import Generated, MockRequest
from mockserver.responders.generic import thread_faker
from mockserver.responders.schema_faker import SchemaFaker
from mockserver.responders.values import ValueSource
from mockserver.spec.contract import Contract
from mockserver.spec.model import Operation
from mockserver.world.catalog import Catalog
from mockserver.world.keys import request_seed

__all__ = ["Resource", "RESOURCES", "resource_responders"]

ResponderFn = Callable[[MockRequest], Generated]


@dataclass(frozen=True, slots=True)
class Resource:
    collection: str
    noun: str  # for messages: "Agent"
    list_operation: str
    get_operation: str
    id_parameter: str
    filters: tuple[str, ...] = field(default=())  # list query parameters matched against Entity.filters
    # A nested list (a knowledge base's documents): its path parameter, matched against Entity.filters, and the
    # collection and noun of the parent it names (an unknown parent is a 404).
    parent: tuple[str, str, str] | None = None


RESOURCES = (
    Resource("agents", "Agent", "listAgents", "getAgent", "agent_id"),
    Resource("tools", "Tool", "listTools", "getTool", "tool_id", ("tool_type",)),
    Resource("connections", "Connection", "listConnections", "getConnection", "connection_id"),
    Resource("knowledge_bases", "Knowledge base", "listKnowledgeBases", "getKnowledgeBase", "kb_id"),
    Resource("documents", "Document", "listDocuments", "getDocument", "doc_id",
             parent=("kb_id", "knowledge_bases", "Knowledge base")),
    Resource("mocks", "Mock", "listMocks", "getMock", "mock_id"),
    Resource("mock_scenarios", "Mock scenario", "listMockScenarios", "getMockScenario", "scenario_id",
             parent=("mock_id", "mocks", "Mock")),
    Resource("policies", "Policy", "listPolicies", "getPolicy", "policy_id"),
    Resource("policy_revisions", "Policy revision", "listPolicyRevisions", "getPolicyRevision", "revision_id",
             parent=("policy_id", "policies", "Policy")),
    Resource("end_users", "End user", "listEndUsers", "getEndUser", "end_user_id", ("org_external_end_user_id",)),
)


def resource_responders(contracts: list[Contract], catalog: Catalog) -> dict[tuple[str, str], ResponderFn]:
    by_id = {(c.name, op.operation_id): (c, op) for c in contracts for op in c.operations}
    found: dict[tuple[str, str], ResponderFn] = {}
    for resource in RESOURCES:
        listed, got = by_id.get(("feather", resource.list_operation)), by_id.get(("feather", resource.get_operation))
        if listed is None or got is None:
            continue  # another contract (--spec): nothing to serve from the catalog
        body = _Bodies(got[1], catalog)
        found[("feather", resource.list_operation)] = _list_responder(resource, body, listed[1])
        found[("feather", resource.get_operation)] = _get_responder(resource, body)
    return found


class _Bodies:
    """The full (get) body of each entity, and its list row."""

    def __init__(self, get_operation: Operation, catalog: Catalog) -> None:
        self.operation = get_operation
        self.catalog = catalog

    def entities(self, request: MockRequest, name: str) -> list[Entity]:
        return collection(self.catalog, request.seed, _now(request), name)

    def full(self, request: MockRequest, entity: Entity) -> dict[str, Any]:
        success = self.operation.success
        assert success is not None and success.schema is not None
        body = filler(self.operation, request.resolver, request.seed, entity.id)
        # Seeded after the filler: both reseed this thread's Faker, so the item values depend on the entity alone.
        faker = SchemaFaker(request.resolver, ValueSource(thread_faker(), request_seed(request.seed, entity.id.encode())), {})
        properties = request.resolver.deref(success.schema).get("properties", {})
        for key, value in entity.fields.items():
            nested = body.get(key)
            if isinstance(value, dict):  # laid over a generated object; a generated null stays null
                body[key] = {**nested, **value} if isinstance(nested, dict) else nested
            elif isinstance(value, list) and key in properties:  # one generated item under each given dict
                item_schema = request.resolver.deref(properties[key]).get("items", {})
                body[key] = [{**faker.generate(item_schema), **item} for item in value]
            else:
                body[key] = value
        # The schema's order, and only its fields: an entity field the schema does not have is not sent.
        return {k: body[k] for k in properties if k in body}

    def row(self, request: MockRequest, entity: Entity, item_schema: dict[str, Any]) -> dict[str, Any]:
        keep = request.resolver.deref(item_schema).get("properties", {})
        return {k: v for k, v in self.full(request, entity).items() if k in keep}


def _now(request: MockRequest) -> dt.datetime:
    now = request.now
    return now if isinstance(now, dt.datetime) else dt.datetime.now(dt.timezone.utc)


def _list_responder(resource: Resource, bodies: _Bodies, operation: Operation) -> ResponderFn:
    success = operation.success
    assert success is not None and success.schema is not None
    page_schema = success.schema

    def respond(request: MockRequest) -> Generated:
        wanted = {name: request.params.get(name) for name in resource.filters if request.params.get(name) is not None}
        if resource.parent is not None:
            name, collection, noun = resource.parent
            parent_id = str(request.path_params.get(name, "")).lower()
            if not any(e.id == parent_id for e in bodies.entities(request, collection)):
                return Generated(404, {"error": "not_found", "message": f"{noun} {parent_id} not found"})
            wanted[name] = parent_id
        chosen = [e for e in bodies.entities(request, resource.collection)
                  if all(e.filters.get(k) == str(v) for k, v in wanted.items())]
        scope = resource.collection + "".join(f"&{k}={v}" for k, v in sorted(wanted.items()))
        if request.resolver.deref(page_schema).get("type") == "array":  # a plain list: every entity, no pages
            item = request.resolver.deref(page_schema)["items"]
            return Generated(success.status, [bodies.row(request, e, item) for e in chosen], uses_clock=True)
        try:
            current = page(chosen, int(request.params.get("limit") or 50), request.params.get("cursor"),
                           seed=request.seed, scope=scope)
        except PageError:
            return Generated(400, {"error": "invalid_cursor",
                                   "message": "The cursor is not valid for this list; start again without one."})
        item_schema = request.resolver.deref(page_schema)["properties"]["items"]["items"]
        items = [bodies.row(request, e, item_schema) for e in chosen[current.start:current.stop]]
        return Generated(success.status, {"items": items, "next_cursor": current.next_cursor,
                                          "has_more": current.has_more}, uses_clock=True)

    return respond


def _get_responder(resource: Resource, bodies: _Bodies) -> ResponderFn:
    success = bodies.operation.success
    assert success is not None

    def respond(request: MockRequest) -> Generated:
        wanted = str(request.path_params.get(resource.id_parameter, "")).lower()
        for entity in bodies.entities(request, resource.collection):
            if entity.id == wanted:
                return Generated(success.status, bodies.full(request, entity), uses_clock=True)
        return Generated(404, {"error": "not_found", "message": f"{resource.noun} {wanted} not found"})

    return respond
