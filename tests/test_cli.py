"""The command line: flags, environment variables and their errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mockserver.cli import parse_serve_args


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


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "http"], ["--seed", "x"], ["--basic-auth", "nopass"],
                                  ["--now", "yesterday"]])
def test_bad_flags_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_serve_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_bad_environment_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_PORT", "eighty")
    with pytest.raises(SystemExit):
        parse_serve_args([])
