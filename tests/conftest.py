"""Shared fixtures: one in-process sandbox per configuration, reused across tests."""

from __future__ import annotations

import datetime as dt
import os
from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

# "dev" keeps `make test` quick; CI sets HYPOTHESIS_PROFILE=ci for many more examples.
settings.register_profile("dev", max_examples=60, deadline=None)
# CI is the landing gate: derandomized, so the same code meets the same examples on every run;
# local runs (dev) draw fresh examples each time and keep exploring.
settings.register_profile("ci", max_examples=400, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.timezone.utc)
API_KEY = "test-key"
BASIC = ("alice", "s3cret")


def make_client(**settings: object) -> TestClient:
    defaults: dict[str, object] = {"access_log": False, "now": NOW}
    defaults.update(settings)
    return TestClient(create_app(Settings(**defaults)), raise_server_exceptions=True)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """Sandbox mode: any non-empty credential is accepted."""
    with make_client() as c:
        c.headers["x-api-key"] = "anything"
        yield c


@pytest.fixture(scope="session")
def keyed_client() -> Iterator[TestClient]:
    """Keys configured: only API_KEY and BASIC are accepted."""
    with make_client(api_keys=frozenset({API_KEY}), basic_auth=frozenset({BASIC})) as c:
        yield c
