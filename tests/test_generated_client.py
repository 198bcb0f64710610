"""A client generated from the served contract works against the sandbox, as an SDK's would.

openapi-python-client turns ``/openapi/feather.json`` (as the sandbox serves it)
into a typed client; representative calls (analytics, list then get, a create,
a 401 and a 422) must come back as the generated models, never as an
unexpected status or a parse error. docs/clients.md shows the same for
TypeScript.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import httpx2 as httpx
import pytest

pytestmark = pytest.mark.mockserver(now="2026-01-15T12:00:00Z")


@pytest.fixture(scope="module")
def feather_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    work = tmp_path_factory.mktemp("client")
    contract = work / "feather.json"
    from starlette.testclient import TestClient

    from mockserver.app import create_app
    from mockserver.settings import Settings

    with TestClient(create_app(Settings(access_log=False))) as served:
        contract.write_bytes(served.get("/openapi/feather.json").content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run([str(generator), "generate", "--path", str(contract), "--meta", "none", "--output-path",
                             str(work / "feather_client")], capture_output=True, text=True, timeout=300)
    assert (work / "feather_client" / "client.py").is_file(), result.stdout + result.stderr
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module("feather_client")
    finally:
        sys.path.remove(str(work))
        for name in [n for n in sys.modules if n == "feather_client" or n.startswith("feather_client.")]:
            del sys.modules[name]


def _api(name: str) -> Any:
    return importlib.import_module(f"feather_client.{name}")


def _client(feather_client: ModuleType, url: str, key: str = "sdk-key") -> Any:
    return feather_client.AuthenticatedClient(base_url=url, token=key, prefix="", auth_header_name="x-api-key",
                                              raise_on_unexpected_status=True)


def test_analytics_parse_into_the_generated_rows(feather_client: ModuleType, mockserver_url: str) -> None:
    escalation = _api("api.analytics.get_session_escalation_rate")
    row_model = _api("models").EscalationRateRow
    response = escalation.sync_detailed(client=_client(feather_client, mockserver_url), start_date=dt.date(2026, 1, 5),
                                        end_date=dt.date(2026, 1, 11), granularity="day")
    assert response.status_code == 200
    assert len(response.parsed) == 7 and all(isinstance(row, row_model) for row in response.parsed)
    assert all(row.total_sessions >= row.escalated_sessions for row in response.parsed)


def test_list_then_get_and_create(feather_client: ModuleType, mockserver_url: str) -> None:
    models = _api("models")
    client = _client(feather_client, mockserver_url)
    page = _api("api.agents.list_agents").sync_detailed(client=client, limit=2)
    assert page.status_code == 200 and isinstance(page.parsed, models.CursorPageAgentListResponse)
    first = page.parsed.items[0]
    got = _api("api.agents.get_agent").sync_detailed(agent_id=first.id, client=client)
    assert got.status_code == 200 and isinstance(got.parsed, models.AgentResponse)
    created = _api("api.agents.create_agent").sync_detailed(client=client, body=models.AgentCreate(name="Support bot"))
    assert created.status_code == 201 and isinstance(created.parsed, models.AgentResponse)


@pytest.mark.mockserver(api_keys=["sk-right"])
def test_refusals_parse_into_the_generated_errors(feather_client: ModuleType, mockserver_url: str) -> None:
    models = _api("models")
    list_agents = _api("api.agents.list_agents")
    refused = list_agents.sync_detailed(client=_client(feather_client, mockserver_url, key="sk-wrong"))
    assert refused.status_code == 401 and isinstance(refused.parsed, models.ErrorResponse)
    invalid = list_agents.sync_detailed(client=_client(feather_client, mockserver_url, key="sk-right"), limit=0)
    assert invalid.status_code == 422 and isinstance(invalid.parsed, models.HTTPValidationError)
    assert invalid.parsed.detail[0].loc == ["query", "limit"]
    assert httpx.get(mockserver_url + "/v1/agents?limit=0", headers={"x-api-key": "sk-right"}).json()["detail"][0][
        "type"] == "greater_than_equal"
