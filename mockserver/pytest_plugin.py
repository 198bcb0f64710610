"""The pytest plugin: a sandbox for every test suite, in-process or on a real port.

Installed with the package (entry point ``pytest11``), so ``pip install mockserver``
is all a test suite needs. Three fixtures:

* ``mockserver_client``: a Starlette ``TestClient`` (an httpx client) talking to
  the app in-process, with a working ``x-api-key`` and HTTP Basic credential set;
* ``mockserver_app``: the ASGI app itself, for your own client or framework;
* ``mockserver_url``: the base URL of a real ``mockserver serve`` process on a
  free port, for code that opens its own connections (SDKs, browsers, curl).

Configure per test, module or session with the ``mockserver`` marker, whose
keywords are the ``serve`` flags: ``seed``, ``scenario``, ``now``, ``api_keys``,
``basic_auth``, ``fixtures``, ``spec``::

    @pytest.mark.mockserver(seed=7, scenario="incident", now="2026-01-15T12:00:00Z")
    def test_incident_banner(mockserver_client): ...

Defaults for a whole suite come from the ``mockserver_defaults`` fixture
(override it in ``conftest.py``). Apps and servers are built once per distinct
configuration and kept for the session: the first test with a configuration
pays for startup (about half a second), the rest reuse it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import parse_serve_args
from mockserver.process import ServerProcess, start_server
from mockserver.settings import Settings
from mockserver.types import ASGIApp

__all__ = ["serve_args", "SandboxPool"]

SANDBOX_KEY = "sandbox-key"  # any non-empty key works when no key is configured
SANDBOX_BASIC = ("sandbox", "sandbox")
OPTIONS = ("seed", "scenario", "now", "api_keys", "basic_auth", "bearer_tokens", "fixtures", "spec")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mockserver(seed=, scenario=, now=, api_keys=, basic_auth=, bearer_tokens=, fixtures=, spec=): "
                   "configure the sandbox "
                   "that mockserver_client, mockserver_app and mockserver_url give this test")


def serve_args(options: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``mockserver serve`` flags for marker keywords; in-process apps parse the same flags, so both agree."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise pytest.UsageError(f"mockserver marker: unknown option(s) {', '.join(unknown)}; "
                                f"use {', '.join(OPTIONS)}")
    args: list[str] = ["--no-access-log"]
    for name in OPTIONS:
        value: Any = options.get(name)
        if value is None:
            continue
        if name == "now" and isinstance(value, dt.datetime):
            value = value.isoformat()
        if name == "api_keys":
            args += [part for key in _many(value) for part in ("--api-key", str(key))]
        elif name == "basic_auth":
            pairs = [value] if isinstance(value, tuple) else list(value)
            args += [part for user, password in pairs for part in ("--basic-auth", f"{user}:{password}")]
        elif name == "bearer_tokens":
            args += [part for token in _many(value) for part in ("--bearer-token", str(token))]
        elif name == "spec":
            args += [part for path in _many(value) for part in ("--spec", str(path))]
        else:
            args += [f"--{name}", str(value)]
    return tuple(args)


def _many(value: Any) -> list[Any]:
    return [value] if isinstance(value, (str, Path)) else list(value)


class SandboxPool:
    """One app and at most one server process per distinct configuration, for the whole session."""

    def __init__(self) -> None:
        self._apps: dict[tuple[str, ...], tuple[Settings, ASGIApp]] = {}
        self._servers: dict[tuple[str, ...], ServerProcess] = {}

    def app(self, args: tuple[str, ...]) -> tuple[Settings, ASGIApp]:
        if args not in self._apps:
            settings = _parse(args)
            self._apps[args] = settings, create_app(settings)
        return self._apps[args]

    def url(self, args: tuple[str, ...]) -> str:
        if args not in self._servers:
            _parse(args)  # a bad option fails here, as a usage error, not as a server that would not start
            self._servers[args] = start_server(args)
        return self._servers[args].url

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        self._apps.clear()


def _parse(args: tuple[str, ...]) -> Settings:
    try:
        return parse_serve_args(list(args))
    except SystemExit:
        raise pytest.UsageError(f"mockserver marker: invalid options {' '.join(args)} (see the error above)") from None


@pytest.fixture(scope="session")
def mockserver_defaults() -> dict[str, Any]:
    """Options every sandbox of this session starts from; override in conftest.py (markers win)."""
    return {}


@pytest.fixture(scope="session")
def _mockserver_pool() -> Iterator[SandboxPool]:
    pool = SandboxPool()
    yield pool
    pool.close()


@pytest.fixture
def mockserver_args(request: pytest.FixtureRequest, mockserver_defaults: dict[str, Any]) -> tuple[str, ...]:
    """The serve flags for this test: defaults, then markers from the outermost (session, module) to the test's own."""
    options = dict(mockserver_defaults)
    for marker in reversed(list(request.node.iter_markers("mockserver"))):
        if marker.args:
            raise pytest.UsageError("mockserver marker: give options as keywords, e.g. mockserver(seed=7)")
        options.update(marker.kwargs)
    return serve_args(options)


@pytest.fixture
def mockserver_app(_mockserver_pool: SandboxPool, mockserver_args: tuple[str, ...]) -> ASGIApp:
    return _mockserver_pool.app(mockserver_args)[1]


@pytest.fixture
def mockserver_client(_mockserver_pool: SandboxPool, mockserver_args: tuple[str, ...]) -> Iterator[TestClient]:
    """An in-process client; Feather (x-api-key) and Weave (Basic) credentials that the sandbox accepts are set."""
    settings, app = _mockserver_pool.app(mockserver_args)
    key = sorted(settings.api_keys)[0] if settings.api_keys else SANDBOX_KEY
    basic = sorted(settings.basic_auth)[0] if settings.basic_auth else SANDBOX_BASIC
    with TestClient(app, raise_server_exceptions=True) as client:
        client.headers["x-api-key"] = key
        client.auth = basic
        yield client


@pytest.fixture
def mockserver_url(_mockserver_pool: SandboxPool, mockserver_args: tuple[str, ...]) -> str:
    """The base URL of a real server process (``mockserver serve --port 0``) with this test's options."""
    return _mockserver_pool.url(mockserver_args)
