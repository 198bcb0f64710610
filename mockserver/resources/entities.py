"""Catalog entities as resources see them: stable ids, names, attributes and times.

The catalog (``fixtures/catalog.yaml``) names the agents, tools and
integrations the analytics group by (one connection per integration, its tools
the integration's slugs); here each becomes an :class:`Entity` with the fields a
resource body takes from the world (``id``, ``name``, ``tool_type``, ...). Times
are drawn from the entity's id, so they never move between requests, and are
never later than the sandbox clock: created in 2025, updated up to 60 days
later, both capped at "now".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mockserver.world.calendar import utc_text
from mockserver.world.catalog import Catalog, ResourceCatalog

__all__ = ["Entity", "collection", "end_user_id", "organization_id", "RESOURCE_TOOL_TYPE"]

_EPOCH = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone.utc)

# The resource API's ToolType says how a tool runs (api_call, call_transfer); the analytics' tool_type says
# what it is (http, integration, platform, mcp). Every catalog tool runs as an API call.
RESOURCE_TOOL_TYPE = "api_call"


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    fields: dict[str, Any]  # values the world fixes (a dict is laid over the generated object); the rest is generated
    filters: dict[str, str]  # values list operations filter on


@lru_cache(maxsize=1024)
def organization_id(seed: int) -> str:
    """The sandbox organization: one per world seed."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockserver:organization:{seed}"))


def _times(entity_id: str, now: dt.datetime) -> tuple[str, str]:
    digest = hashlib.blake2b(entity_id.encode(), digest_size=8).digest()
    created = _EPOCH + dt.timedelta(seconds=int.from_bytes(digest[:4], "big") % (300 * 86400))
    updated = created + dt.timedelta(seconds=int.from_bytes(digest[4:], "big") % (60 * 86400))
    created, updated = min(created, now), min(updated, now)
    return _stamp(created), _stamp(updated)


def _stamp(value: dt.datetime) -> str:
    return utc_text(value)


def collection(catalog: Catalog, seed: int, now: dt.datetime, name: str) -> list[Entity]:
    """One collection, in its stable list order (the catalog's); only that collection is built."""
    if name == "end_users":
        return _end_users(catalog.resources, seed)
    org = organization_id(seed)

    def common(entity_id: str, entity_name: str) -> dict[str, Any]:
        created, updated = _times(entity_id, now)
        return {"id": entity_id, "organization_id": org, "name": entity_name, "created_at": created,
                "updated_at": updated}

    for build in (_knowledge, _mocks, _policies):
        built = build(catalog, seed, org, common) if name in _BUILT_BY[build.__name__] else None
        if built is not None:
            return built[name]
    return _core(catalog, seed, now)[name]


_BUILT_BY = {"_knowledge": ("knowledge_bases", "documents"), "_mocks": ("mocks", "mock_scenarios"),
             "_policies": ("policies", "policy_revisions")}


def _core(catalog: Catalog, seed: int, now: dt.datetime) -> dict[str, list[Entity]]:
    """Agents, tools and connections: the entities the analytics name."""
    org = organization_id(seed)

    def common(entity_id: str, name: str) -> dict[str, Any]:
        created, updated = _times(entity_id, now)
        return {"id": entity_id, "organization_id": org, "name": name, "created_at": created, "updated_at": updated}

    def revision(agent_id: str, revision_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"id": revision_id, "agent_id": agent_id, "created_at": fields["created_at"],
                "updated_at": fields["updated_at"]}

    agents = []
    for a in catalog.agents:
        fields = common(a.id, a.name)
        fields.update(description=a.description or None, active_revision_id=a.revision_id,
                      active_revision=revision(a.id, a.revision_id, fields))
        agents.append(Entity(a.id, fields, {}))
    # Tools carry no revision in the sandbox world: the analytics never name one.
    tools = [Entity(t.id, {**common(t.id, t.name), "tool_type": RESOURCE_TOOL_TYPE, "description": f"{t.name} ({t.provider})",
                           "active_revision_id": None, "active_revision": None}, {"tool_type": RESOURCE_TOOL_TYPE})
             for t in catalog.tools]
    connections = []
    for integration in catalog.integrations:
        connection_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockserver:connection:{seed}:{integration.key}"))
        fields = common(connection_id, integration.key.replace("_", " ").title().replace("Mcp", "MCP"))
        slug_tools = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{connection_id}:{slug}")), "connection_id": connection_id,
                       "organization_id": org, "integration_key": integration.key, "nickname_slug": integration.key,
                       "slug": slug, "tool_path": f"{integration.key}.{slug}", "is_enabled": True,
                       "display_name": slug.replace("_", " ").capitalize()} for slug in integration.slugs]
        fields.update(nickname=fields["name"], integration_key=integration.key, nickname_slug=integration.key,
                      vendor=integration.key, status="connected", tools_status="synced", status_reason=None,
                      connected_at=fields["created_at"], last_refreshed_at=fields["updated_at"],
                      tools_synced_at=fields["updated_at"], last_used_at=fields["updated_at"], tools=slug_tools)
        connections.append(Entity(connection_id, fields, {}))
    return {"agents": agents, "tools": tools, "connections": connections}


def _uid(seed: int, *parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mockserver:" + ":".join([str(seed), *parts])))


@lru_cache(maxsize=16_384)
def end_user_id(seed: int, index: int) -> str:
    """End user ``index`` of the world: the ids conversations name (``conversations.SessionBodies.assigned``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockserver:end-user:{seed}:{index}"))


Common = Any  # (entity id, name) -> the fields every entity has


def _knowledge(catalog: Catalog, seed: int, org: str, common: Common) -> dict[str, list[Entity]]:
    bases, documents = [], []
    for kb in catalog.resources.knowledge_bases:
        kb_id = _uid(seed, "knowledge-base", kb.name)
        fields = common(kb_id, kb.name)
        fields.update(description=kb.description, is_active=True, document_count=len(kb.children))
        bases.append(Entity(kb_id, fields, {}))
        for title in kb.children:
            doc_id = _uid(seed, "document", kb.name, title)
            doc = common(doc_id, title)
            doc.pop("name")
            doc.update(knowledge_base_id=kb_id, title=title, safe_title=title, state="ready", version_number=1,
                       version_count=1, source_type="upload", active_version_id=_uid(seed, "document-version", doc_id))
            documents.append(Entity(doc_id, doc, {"kb_id": kb_id}))
    return {"knowledge_bases": bases, "documents": documents}


def _child(common: Common, child_id: str, name: str, **fields: Any) -> dict[str, Any]:
    """A child entity's fields (a mock's scenario, a policy's revision): its parent holds the organization."""
    child = common(child_id, name)
    child.pop("organization_id")
    child.update(fields)
    return child


def _mocks(catalog: Catalog, seed: int, org: str, common: Common) -> dict[str, list[Entity]]:
    mocks, scenarios = [], []
    for mock in catalog.resources.mocks:
        mock_id = _uid(seed, "mock", mock.name)
        fields = common(mock_id, mock.name)
        own = []
        for priority, name in enumerate(mock.children):
            # The first scenario answers 200, the others the failures they are named for (404, then 504...).
            scenario = _child(common, _uid(seed, "mock-scenario", mock.name, name), name, mock_id=mock_id,
                              priority=priority, is_enabled=True, match_method="GET",
                              match_path_pattern=f"/{mock.slug or mock_id}/*",
                              response_status=(200, 404, 504, 502)[min(priority, 3)], delay_ms=0)
            own.append(scenario)
            scenarios.append(Entity(scenario["id"], scenario, {"mock_id": mock_id}))
        fields.update(slug=mock.slug or mock.name.lower().replace(" ", "-"), description=mock.description,
                      default_status=200, default_response_body={}, is_enabled=True,
                      public_url_path=f"/mock/{mock.slug}", scenarios=own)
        mocks.append(Entity(mock_id, fields, {}))
    return {"mocks": mocks, "mock_scenarios": scenarios}


def _policies(catalog: Catalog, seed: int, org: str, common: Common) -> dict[str, list[Entity]]:
    policies, revisions = [], []
    for policy in catalog.resources.policies:
        policy_id = _uid(seed, "policy", policy.name)
        fields = common(policy_id, policy.name)
        mine = []
        for number, label in enumerate(policy.children, start=1):
            revision = _child(common, _uid(seed, "policy-revision", policy.name, label), f"{policy.name} ({label})",
                              policy_id=policy_id, description=policy.description, priority=number,
                              check_type="expression", enforcement_point="pre_tool_call", action="block",
                              mode="enforce", on_error="allow", strictness="standard")
            mine.append(revision)
            revisions.append(Entity(revision["id"], revision, {"policy_id": policy_id}))
        # The last revision is the active one.
        fields.update(description=policy.description, enabled=True, scope="organization",
                      active_revision_id=mine[-1]["id"] if mine else None,
                      active_revision=mine[-1] if mine else None)
        policies.append(Entity(policy_id, fields, {}))
    return {"policies": policies, "policy_revisions": revisions}


@lru_cache(maxsize=16)
def _end_users(people: ResourceCatalog, seed: int) -> list[Entity]:
    """End users: uids from the seed, names picked by the uid from the catalog's name lists (they do not depend
    on the clock, so a world's are built once)."""
    org = organization_id(seed)
    users = []
    for index in range(people.end_users):
        uid = end_user_id(seed, index)
        digest = hashlib.blake2b(uid.encode(), digest_size=4).digest()
        first = people.first_names[digest[0] % len(people.first_names)]
        last = people.last_names[digest[1] % len(people.last_names)]
        external = f"cust_{int.from_bytes(digest, 'big'):010d}"
        fields = {"uid": uid, "org_id": org, "status": "active", "display_name": f"{first} {last}",
                  "primary_email": f"{first.lower()}.{last.lower()}{digest[2]}@example.com", "primary_phone": None,
                  "org_external_end_user_id": external, "merged_into": None}
        users.append(Entity(uid, fields, {"org_external_end_user_id": external}))
    return users
