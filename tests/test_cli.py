"""The command line: flags, environment variables and their errors."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import _build_parser, main, parse_serve_args
from mockserver.http.access import CHUNK_LINES, AccessLog
from mockserver.process import start_server
from mockserver.settings import Settings

WEEK = "/v1/analytics/sessions/escalation-rate?start_date=2026-01-05&end_date=2026-01-11&granularity=day"


def test_defaults_are_a_local_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "SEED", "API_KEY", "NOW"):
        monkeypatch.delenv(f"MOCKSERVER_{name}", raising=False)
    settings = parse_serve_args([])
    assert (settings.host, settings.port, settings.seed) == ("127.0.0.1", 8000, 0)
    assert settings.api_keys == frozenset() and settings.now is None


def test_flags(tmp_path: Path) -> None:
    settings = parse_serve_args(["--port", "9000", "--seed", "42", "--api-key", "a", "--api-key", "b",
                                 "--basic-auth", "u:p:w", "--now", "2026-01-15T12:00:00+01:00"])
    assert settings.port == 9000 and settings.seed == 42
    assert settings.api_keys == {"a", "b"}
    assert settings.basic_auth == {("u", "p:w")}
    assert settings.now == dt.datetime(2026, 1, 15, 11, 0, tzinfo=dt.timezone.utc)


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_SEED", "7")
    monkeypatch.setenv("MOCKSERVER_API_KEY", "k1, k2")
    settings = parse_serve_args([])
    assert settings.seed == 7 and settings.api_keys == {"k1", "k2"}
    assert parse_serve_args(["--seed", "8"]).seed == 8, "the command line wins"


@pytest.mark.parametrize("argv", [["--port", "65536"], ["--port", "http"], ["--seed", "x"], ["--basic-auth", "nopass"],
                                  ["--now", "yesterday"], ["--workers", "0"], ["--log-format", "xml"]])
def test_bad_flags_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_serve_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_bad_environment_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_PORT", "eighty")
    with pytest.raises(SystemExit):
        parse_serve_args([])


def test_every_serve_flag_names_its_environment_variable() -> None:
    serve = _build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    flags = [action for action in serve._actions if action.option_strings and action.dest != "help"]
    assert len(flags) >= 13
    for action in flags:
        variable = "MOCKSERVER_" + action.option_strings[0].lstrip("-").upper().replace("-", "_")
        assert f"[env {variable}]" in (action.help or ""), action.option_strings


def test_port_zero_prints_the_bound_url_first() -> None:
    server = start_server(["--now", "2026-01-15T12:00:00Z", "--no-access-log"])
    try:
        host, port = server.url.removeprefix("http://").split(":")
        assert host == "127.0.0.1" and int(port) > 0
        assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    finally:
        server.stop()


@pytest.mark.parametrize("generation", ["process", "thread"])
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_clean_shutdown_exits_0_without_a_traceback(stop: signal.Signals, generation: str) -> None:
    """uvicorn raises the signal again once it has shut down; the README promises exit status 0."""
    server = start_server(["--now", "2026-01-15T12:00:00Z", "--generation", generation])
    try:
        assert httpx.get(server.url + "/v1/agents?limit=2", headers={"x-api-key": "k"}).status_code == 200
        server.process.send_signal(stop)
        assert server.process.wait(timeout=20) == 0
        assert "Traceback" not in server.log_text()
    finally:
        server.stop()


def test_a_port_in_use_is_one_line_and_exit_3() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"mockserver: cannot listen on 127.0.0.1:{port} (Address already in use)"]


def test_fixtures_are_copied_out_for_editing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine"
    assert main(["fixtures", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == ["catalog.yaml", "feedback.yaml", "pinned", "scenarios"]
    assert main(["fixtures", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert parse_serve_args(["--fixtures", str(target)]).fixtures == target


def test_access_log_has_the_query_the_scenario_and_preflights(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(now=dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc)))
    with caplog.at_level(logging.INFO, logger="mockserver.access"), TestClient(app) as client:
        client.get(WEEK, headers={"x-api-key": "k", "prefer": "scenario=incident"})
        client.get("/v1/agents?limit=oops", headers={"x-api-key": "k"})
        client.options("/v1/agents", headers={"origin": "http://localhost:3000", "access-control-request-method": "GET"})
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert lines[0].startswith(f"GET {WEEK} 200 ") and lines[0].endswith(" scenario=incident")
    assert lines[1].startswith("GET /v1/agents?limit=oops 422 ") and "(" in lines[1]
    assert lines[2].startswith("OPTIONS /v1/agents 200 ") and lines[2].endswith(" preflight")
    first = next(r for r in caplog.records if r.name == "mockserver.access")
    assert (first.method, first.query, first.status, first.scenario) == (  # type: ignore[attr-defined]
        "GET", WEEK.split("?")[1], 200, "incident")
    assert abs(first.created - time.time()) < 30, "stamped with the wall clock when the request ended"


def test_a_long_batch_is_written_in_steps_and_whole_in_order(caplog: pytest.LogCaptureFixture) -> None:
    """The writer formats a batch CHUNK_LINES at a time, pausing between steps: every line still comes out,
    once, in the order the requests ended."""
    access = AccessLog(create_app(Settings(access_log=False)), "baseline")
    count = CHUNK_LINES * 2 + 7
    for i in range(count):
        access._pending.append((float(i), i + 0.0001, "GET", f"/v1/agents/{i}", b"", (200, "", ""), False))
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        access.flush()
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert [line.split()[1] for line in lines] == [f"/v1/agents/{i}" for i in range(count)]
    assert not access._pending


def test_json_log_lines(tmp_path: Path) -> None:
    server = start_server(["--log-format", "json", "--now", "2026-01-15T12:00:00Z"])
    try:
        httpx.get(server.url + WEEK, headers={"x-api-key": "k"})
    finally:
        server.stop()
        text = server.log_text()
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert records[0]["logger"] == "mockserver" and records[0]["message"].startswith("serving ")
    access = [r for r in records if r["logger"] == "mockserver.access"]
    assert access and access[0]["status"] == 200 and access[0]["path"] == WEEK.split("?")[0]
    assert {"time", "level", "method", "query", "ms"} <= set(access[0])


def _children(pid: int, expected: int, but_not: int = 0) -> list[int]:
    """The worker pids, once there are ``expected`` of them (the URL is printed before the workers fork)."""
    for _ in range(200):
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        if len(found) == expected and but_not not in found:
            break
        time.sleep(0.05)
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts worker processes through Linux's /proc")
def test_workers_share_the_port_and_answer_the_same_bytes() -> None:
    server = start_server(["--workers", "3", "--now", "2026-01-15T12:00:00Z", "--no-access-log"])
    try:
        workers = _children(server.process.pid, 3)
        assert len(workers) == 3
        # New connections each time: the kernel spreads them over the workers, each with a cold cache.
        bodies = {httpx.get(server.url + WEEK + f"&channel={channel}", headers={"x-api-key": "k"}).content
                  for channel in ("voice", "voice", "voice", "voice", "voice", "voice")}
        assert len(bodies) == 1
        os.kill(workers[0], signal.SIGKILL)  # a worker that dies is replaced
        now = _children(server.process.pid, 3, but_not=workers[0])
        assert len(now) == 3 and workers[0] not in now
        assert httpx.get(server.url + "/healthz").status_code == 200
    finally:
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=20)
        server.stop()
        assert code == 0, server.log_text()
