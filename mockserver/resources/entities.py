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
from typing import Any

from mockserver.world.calendar import utc_text
from mockserver.world.catalog import Catalog

__all__ = ["Entity", "collections", "organization_id", "RESOURCE_TOOL_TYPE"]

_EPOCH = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone.utc)

# The resource API's ToolType says how a tool runs (api_call, call_transfer); the analytics' tool_type says
# what it is (http, integration, platform, mcp). Every catalog tool runs as an API call.
RESOURCE_TOOL_TYPE = "api_call"


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    fields: dict[str, Any]  # values the world fixes (a dict is laid over the generated object); the rest is generated
    filters: dict[str, str]  # values list operations filter on


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


def collections(catalog: Catalog, seed: int, now: dt.datetime) -> dict[str, list[Entity]]:
    """Every collection, in its stable list order (the catalog's)."""
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
