"""Agents and tools as resources are the catalog's entities, the same ones the analytics name."""

from __future__ import annotations

import base64
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.paths import FIXTURES_DIR
from mockserver.world.catalog import load_catalog
from tests.conftest import NOW, make_client

CATALOG = load_catalog(FIXTURES_DIR / "catalog.yaml")
WEEK = {"start_date": "2026-01-05", "end_date": "2026-01-11"}


def _walk(client: TestClient, path: str, limit: int, **params: str) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        page = client.get(path, params=query).json()
        assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            return items
        assert len(page["items"]) == limit, "only the last page is short"
        cursor = page["next_cursor"]
        assert pages < 100


def test_agents_are_the_catalog_agents(client: TestClient) -> None:
    agents = _walk(client, "/v1/agents", 50)
    assert [(a["id"], a["name"]) for a in agents] == [(a.id, a.name) for a in CATALOG.agents]
    assert [a["active_revision_id"] for a in agents] == [a.revision_id for a in CATALOG.agents]
    assert len({a["organization_id"] for a in agents}) == 1


def test_tools_are_the_catalog_tools(client: TestClient) -> None:
    tools = _walk(client, "/v1/tools", 50)
    assert [(t["id"], t["name"]) for t in tools] == [(t.id, t.name) for t in CATALOG.tools]
    assert _walk(client, "/v1/tools", 50, tool_type="api_call") == tools
    assert client.get("/v1/tools", params={"tool_type": "call_transfer"}).json() == {
        "items": [], "next_cursor": None, "has_more": False}


def test_get_equals_its_list_row_and_unknown_ids_are_404(client: TestClient) -> None:
    for path in ("/v1/agents", "/v1/tools"):
        for row in _walk(client, path, 3):
            full = client.get(f"{path}/{row['id']}").json()
            assert {k: full[k] for k in row} == row
            created, updated = (dt.datetime.fromisoformat(row[k].replace("Z", "+00:00")) for k in ("created_at", "updated_at"))
            assert created <= updated <= NOW
    missing = client.get("/v1/agents/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": "Agent 00000000-0000-4000-8000-000000000000 not found"}


@settings(max_examples=25)
@given(limit=st.integers(1, 12))
def test_every_walk_is_complete_and_duplicate_free(client: TestClient, limit: int) -> None:
    for path, expected in (("/v1/agents", len(CATALOG.agents)), ("/v1/tools", len(CATALOG.tools))):
        ids = [item["id"] for item in _walk(client, path, limit)]
        assert len(ids) == len(set(ids)) == expected


def test_tampered_and_foreign_cursors_are_refused(client: TestClient) -> None:
    cursor = client.get("/v1/tools", params={"limit": 2}).json()["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[3] ^= 1  # another offset, same tag
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    for path, bad, extra in (("/v1/tools", tampered, {}), ("/v1/agents", cursor, {}), ("/v1/tools", "not-a-cursor", {}),
                             ("/v1/tools", cursor, {"tool_type": "api_call"})):
        answer = client.get(path, params={"cursor": bad, **extra})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_cursor", path


def test_a_cursor_is_bound_to_the_seed() -> None:
    with make_client() as first, make_client(seed=1) as second:
        cursor = first.get("/v1/tools", params={"limit": 2}, headers={"x-api-key": "k"}).json()["next_cursor"]
        assert second.get("/v1/tools", params={"cursor": cursor}, headers={"x-api-key": "k"}).status_code == 400


def test_the_analytics_name_the_listed_agents_and_tools(client: TestClient) -> None:
    agents = {a["id"]: a["name"] for a in _walk(client, "/v1/agents", 50)}
    tools = {t["id"]: t["name"] for t in _walk(client, "/v1/tools", 50)}
    by_agent = client.get("/v1/analytics/tools/usage/by-agent", params=WEEK).json()
    assert by_agent and {row["agent_id"] for row in by_agent} <= set(agents)
    by_tool = client.get("/v1/analytics/tools/usage/by-tool", params=WEEK).json()
    assert by_tool and all(tools[row["tool_id"]] == row["tool_name"] for row in by_tool)
    first_agent = next(iter(agents))
    filtered = client.get("/v1/analytics/tools/usage/timeseries",
                          params={**WEEK, "granularity": "day", "agent_id": first_agent}).json()
    row = next(r for r in by_agent if r["agent_id"] == first_agent)
    assert sum(r["invocations"] for r in filtered) == row["invocations"]


def test_connections_are_the_catalog_integrations_with_their_slugs(client: TestClient) -> None:
    connections = client.get("/v1/integrations/connections").json()
    assert [c["integration_key"] for c in connections] == [i.key for i in CATALOG.integrations]
    for connection, integration in zip(connections, CATALOG.integrations):
        assert [t["slug"] for t in connection["tools"]] == list(integration.slugs)
        assert all(t["connection_id"] == connection["id"] for t in connection["tools"])
        assert client.get(f"/v1/integrations/connections/{connection['id']}").json() == connection
    used = client.get("/v1/analytics/integrations/by-integration", params=WEEK).json()
    assert {row["integration_key"] for row in used} <= {c["integration_key"] for c in connections}
    missing = client.get("/v1/integrations/connections/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_writes_are_stateless_but_echo_what_was_sent(client: TestClient) -> None:
    created = client.post("/v1/agents", json={"name": "Night Shift Bot", "description": "Covers the night queue."})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Night Shift Bot" and body["description"] == "Covers the night queue."
    assert body["created_at"] <= body["updated_at"] <= NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "Night Shift Bot" not in {a["name"] for a in _walk(client, "/v1/agents", 50)}, "nothing is stored"
