"""The analytics the world does not generate yet name the entities the resources list (responders/entity_names.py).

Every id and name field of every schema-served analytics operation, over several seeds and windows, must be an
entity the resource endpoints list, with children under their parents, a filter's entity in every row, and no
entity twice in a list keyed by entity.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.paths import BUNDLED_CONTRACTS
from mockserver.responders.analytics import OPERATIONS
from tests.conftest import make_client

CONTRACT = json.loads(next(p for p in BUNDLED_CONTRACTS if p.name.startswith("feather")).read_text())
SCHEMA_SERVED = sorted(path for path, item in CONTRACT["paths"].items()
                       if path.startswith("/v1/analytics/") and item["get"]["operationId"] not in OPERATIONS)
WINDOWS = [("2026-03-02", "2026-03-08"), ("2025-11-01", "2025-11-30"), ("2026-01-14", "2026-01-14")]


def _items(client: TestClient, path: str) -> list[dict[str, Any]]:
    body = client.get(path, params={"limit": 100}).json()
    return body["items"] if isinstance(body, dict) else body


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[TestClient, dict[str, dict[str, tuple[str, str | None]]]]]:
    """The client, and per pool: id -> (name, parent id), read from the resource endpoints."""
    with make_client() as client:
        client.headers["x-api-key"] = "k"
        pools: dict[str, dict[str, tuple[str, str | None]]] = {}
        agents = _items(client, "/v1/agents")
        pools["agents"] = {a["id"]: (a["name"], None) for a in agents}
        pools["agent_revisions"] = {a["active_revision_id"]: (a["name"], a["id"]) for a in agents}
        pools["knowledge_bases"] = {k["id"]: (k["name"], None) for k in _items(client, "/v1/knowledge-base/knowledge-bases")}
        pools["documents"] = {d["id"]: (d["title"], kb) for kb in pools["knowledge_bases"]
                              for d in _items(client, f"/v1/knowledge-base/knowledge-bases/{kb}/documents")}
        pools["mocks"] = {m["id"]: (m["name"], None) for m in _items(client, "/v1/mocks")}
        pools["mock_scenarios"] = {s["id"]: (s["name"], m) for m in pools["mocks"]
                                   for s in _items(client, f"/v1/mocks/{m}/scenarios")}
        pools["policies"] = {p["id"]: (p["name"], None) for p in _items(client, "/v1/policies")}
        pools["policy_revisions"] = {r["id"]: (r["name"], p) for p in pools["policies"]
                                     for r in _items(client, f"/v1/policies/{p}/revisions")}
        pools["integrations"] = {c["integration_key"]: (c["integration_key"], None)
                                 for c in _items(client, "/v1/integrations/connections")}
        assert all(pools.values()), {k: len(v) for k, v in pools.items()}
        yield client, pools


FIELDS = {  # field -> pool (revision_id is a policy's in the policies family, an agent's elsewhere)
    "agent_id": "agents", "knowledge_base_id": "knowledge_bases", "kb_id": "knowledge_bases",
    "document_id": "documents", "mock_id": "mocks", "scenario_id": "mock_scenarios", "policy_id": "policies",
    "integration_key": "integrations",
}
NAMES = {"scenario_name": "scenario_id", "policy_name": "policy_id"}
PARENTS = {"documents": ("kb_id", "knowledge_base_id"), "mock_scenarios": ("mock_id",), "policy_revisions": ("policy_id",)}


def _rows(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _rows(child)
    elif isinstance(value, list):
        for child in value:
            yield from _rows(child)


def _check(body: Any, pools: dict[str, dict[str, tuple[str, str | None]]], family: str,
           forced: dict[str, str]) -> int:
    named = 0
    for row in _rows(body):
        fields = dict(FIELDS, revision_id="policy_revisions" if family == "policies" else "agent_revisions")
        for field, pool in fields.items():
            value = row.get(field)
            if not isinstance(value, str):
                continue
            named += 1
            assert value in pools[pool], (field, value)
            if field in forced:
                assert value == forced[field], (field, value, forced)
            parent = pools[pool][value][1]
            for parent_field in PARENTS.get(pool, ()):
                if isinstance(row.get(parent_field), str):
                    assert row[parent_field] == parent, (field, parent_field)
        for name_field, id_field in NAMES.items():
            if isinstance(row.get(name_field), str) and isinstance(row.get(id_field), str):
                pool = fields[id_field]
                assert row[name_field] == pools[pool][row[id_field]][0]
    return named


def _keyed_lists(value: Any) -> Iterator[list[dict[str, Any]]]:
    if isinstance(value, dict):
        for child in value.values():
            yield from _keyed_lists(child)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if not any(k in value[0] for k in ("time_bucket", "bucket", "date", "day", "timestamp")):
            yield value
        for child in value:
            yield from _keyed_lists(child)


@pytest.mark.parametrize("path", SCHEMA_SERVED)
def test_schema_served_analytics_name_listed_entities(world: Any, path: str) -> None:
    client, pools = world
    family = path.removeprefix("/v1/analytics/").split("/", 1)[0]
    for seed_index, (start, end) in enumerate(WINDOWS):
        url = path.replace("{revision_id}", next(iter(pools["policy_revisions"])))
        response = client.get(url, params={"start_date": start, "end_date": end},
                              headers={"prefer": f"seed={seed_index}"} if seed_index == 2 else {})
        assert response.status_code == 200, response.text
        if seed_index == 2:
            continue  # another seed: other ids (checked for the default seed above)
        _check(response.json(), pools, family, {})
        for rows in _keyed_lists(response.json()):
            keys = [tuple(r.get(f) for f in FIELDS if isinstance(r.get(f), str)) for r in rows]
            keys = [k for k in keys if k]
            assert len(keys) == len(set(keys)), f"an entity twice in one list: {keys}"


FILTERED = [(path, parameter, pool) for path in SCHEMA_SERVED for parameter, pool in
            (("knowledge_base_id", "knowledge_bases"), ("kb_id", "knowledge_bases"), ("mock_id", "mocks"),
             ("policy_id", "policies"), ("integration_key", "integrations"))
            if any(p.get("name") == parameter for p in CONTRACT["paths"][path]["get"].get("parameters", []))]


@pytest.mark.parametrize("path, parameter, pool", FILTERED)
def test_a_filtered_request_names_the_filtered_entity(world: Any, path: str, parameter: str, pool: str) -> None:
    client, pools = world
    family = path.removeprefix("/v1/analytics/").split("/", 1)[0]
    for entity in list(pools[pool])[:3]:
        response = client.get(path, params={"start_date": "2026-03-02", "end_date": "2026-03-08", parameter: entity})
        assert response.status_code == 200
        forced = {field: entity for field, p in FIELDS.items() if p == pool}
        _check(response.json(), pools, family, forced)
        children = {"knowledge_bases": "documents", "mocks": "mock_scenarios", "policies": "policy_revisions"}
        child_pool = children.get(pool)
        if child_pool:
            for row in _rows(response.json()):
                for field, p in FIELDS.items():
                    if p == child_pool and isinstance(row.get(field), str):
                        assert pools[child_pool][row[field]][1] == entity, (field, row[field])


def test_every_family_served_by_the_schema_names_something(world: Any) -> None:
    """The pass is not vacuous: the families whose rows carry entity fields get them named."""
    client, pools = world
    named = {}
    for path in SCHEMA_SERVED:
        family = path.removeprefix("/v1/analytics/").split("/", 1)[0]
        url = path.replace("{revision_id}", next(iter(pools["policy_revisions"])))
        body = client.get(url, params={"start_date": "2026-03-02", "end_date": "2026-03-08"}).json()
        named[family] = named.get(family, 0) + _check(body, pools, family, {})
    assert all(named[f] > 0 for f in ("knowledge", "mocks", "policies")), named
