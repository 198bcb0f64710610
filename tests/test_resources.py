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


# Knowledge bases and documents, mocks and their scenarios, policies and their revisions, end users:
# (list path, get path template, id field, parent collection path or None).
NESTED = [
    ("/v1/knowledge-base/knowledge-bases", "/v1/knowledge-base/knowledge-bases/{}", "id", None),
    ("/v1/knowledge-base/knowledge-bases/{}/documents", "/v1/knowledge-base/documents/{}", "id",
     "/v1/knowledge-base/knowledge-bases"),
    ("/v1/mocks", "/v1/mocks/{}", "id", None),
    ("/v1/policies", "/v1/policies/{}", "id", None),
    ("/v1/policies/{}/revisions", "/v1/policies/revisions/{}", "id", "/v1/policies"),
    ("/v1/identity/end-users", "/v1/identity/end-users/{}", "uid", None),
]


def _lists(client: TestClient, path: str, parent: str | None, limit: int) -> list[tuple[str, list[dict]]]:
    """(parent id or "", every row) for the list, walked page by page with ``limit``."""
    if parent is None:
        return [("", _walk(client, path, limit))]
    return [(p["id"], _walk(client, path.format(p["id"]), limit)) for p in _walk(client, parent, 50)]


@settings(max_examples=10, deadline=None)
@given(limit=st.integers(1, 9), which=st.sampled_from(NESTED))
def test_every_resource_lists_gets_and_pages_alike(client: TestClient, limit: int,
                                                   which: tuple[str, str, str, str | None]) -> None:
    """Walks are complete and duplicate-free for any limit; a get equals its list row field for field;
    nothing is dated after the sandbox clock; a nested list holds only its parent's children."""
    path, get, key, parent = which
    whole_pages = dict(_lists(client, path, parent, 50))
    size = limit * 20 if key == "uid" else limit  # 500 end users: pages of 20-180
    for parent_id, rows in _lists(client, path, parent, size):
        assert rows == whole_pages[parent_id], "the walk does not depend on the page size"
        assert len({r[key] for r in rows}) == len(rows) > 0
        for row in rows[:5]:
            full = client.get(get.format(row[key]))
            assert full.status_code == 200
            assert {k: v for k, v in full.json().items() if k in row} == row
            for stamp in ("created_at", "updated_at"):
                if stamp in row:
                    assert row[stamp] <= NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
            if "created_at" in row and "updated_at" in row:
                assert row["created_at"] <= row["updated_at"]
        if parent is not None:
            back = {"/v1/knowledge-base/knowledge-bases": "knowledge_base_id", "/v1/policies": "policy_id"}[parent]
            assert {r[back] for r in rows} == {parent_id}


def test_the_catalog_names_the_resources(client: TestClient) -> None:
    bases = _walk(client, "/v1/knowledge-base/knowledge-bases", 50)
    assert [(b["name"], b["document_count"]) for b in bases] == \
        [(kb.name, len(kb.children)) for kb in CATALOG.resources.knowledge_bases]
    documents = _walk(client, f"/v1/knowledge-base/knowledge-bases/{bases[0]['id']}/documents", 50)
    assert [d["title"] for d in documents] == list(CATALOG.resources.knowledge_bases[0].children)
    mocks = _walk(client, "/v1/mocks", 50)
    scenarios = client.get(f"/v1/mocks/{mocks[0]['id']}/scenarios").json()
    assert [s["name"] for s in scenarios] == list(CATALOG.resources.mocks[0].children)
    assert [s["name"] for s in mocks[0]["scenarios"]] == [s["name"] for s in scenarios]
    policies = _walk(client, "/v1/policies", 50)
    revisions = _walk(client, f"/v1/policies/{policies[0]['id']}/revisions", 50)
    assert policies[0]["active_revision_id"] == revisions[-1]["id"]
    users = _walk(client, "/v1/identity/end-users", 7)
    assert len(users) == CATALOG.resources.end_users
    one = client.get("/v1/identity/end-users", params={"org_external_end_user_id": users[3]["org_external_end_user_id"]})
    assert [u["uid"] for u in one.json()["items"]] == [users[3]["uid"]]


def test_unknown_ids_and_parents_are_404(client: TestClient) -> None:
    stranger = "00000000-0000-4000-8000-000000000000"
    for path in ("/v1/knowledge-base/knowledge-bases/{}", "/v1/knowledge-base/documents/{}", "/v1/mocks/{}",
                 "/v1/mocks/scenarios/{}", "/v1/policies/{}", "/v1/policies/revisions/{}",
                 "/v1/knowledge-base/knowledge-bases/{}/documents", "/v1/policies/{}/revisions",
                 "/v1/mocks/{}/scenarios"):
        response = client.get(path.format(stranger))
        assert response.status_code == 404 and response.json()["error"] == "not_found", path
        assert stranger in response.json()["message"]


def test_conversations_name_the_listed_end_users(client: TestClient) -> None:
    users = {u["uid"] for u in _walk(client, "/v1/identity/end-users", 200)}
    conversations = client.get("/v1/v2/conversations", params={"limit": 50}).json()["items"]
    assert conversations and all(c["end_user_id"] in users for c in conversations)
    one = conversations[0]["end_user_id"]
    assert client.get(f"/v1/identity/end-users/{one}").status_code == 200
    mine = client.get("/v1/v2/conversations", params={"limit": 50, "end_user_id": one}).json()["items"]
    assert mine and all(c["end_user_id"] == one for c in mine)
