"""`make bench` finds wrk and nginx, or installs them where it can (root with apt-get), and says so."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bench.run import ensure_tools


class Machine:
    """A machine's tools as ``ensure_tools`` sees them, and the commands it ran."""

    def __init__(self, present: set[str], installs: bool = True, first_install_fails: bool = False) -> None:
        self.present, self.installs, self.first_install_fails = set(present), installs, first_install_fails
        self.commands: list[list[str]] = []

    def find(self, tool: str) -> str | None:
        return f"/usr/bin/{tool}" if tool in self.present else None

    def run(self, command: list[str], **_: Any) -> Any:
        self.commands.append(command)
        if command[1] == "install":
            if self.first_install_fails and len(self.commands) == 1:
                return SimpleNamespace(returncode=100)
            if self.installs:
                self.present |= {{"nginx-light": "nginx"}.get(p, p) for p in command[4:]}
        return SimpleNamespace(returncode=0)


def test_found_tools_are_used_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    machine = Machine({"wrk", "nginx", "apt-get"})
    assert ensure_tools(machine.find, machine.run, lambda: True, {}) is True
    assert machine.commands == [] and capsys.readouterr().err == ""


def test_a_root_shell_with_apt_installs_what_is_missing_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    machine = Machine({"apt-get"}, first_install_fails=True)
    assert ensure_tools(machine.find, machine.run, lambda: True, {}) is True
    assert machine.commands == [["apt-get", "install", "-y", "-q", "wrk", "nginx-light"], ["apt-get", "update", "-q"],
                                ["apt-get", "install", "-y", "-q", "wrk", "nginx-light"]]
    assert "installing wrk, nginx-light with apt-get" in capsys.readouterr().err


@pytest.mark.parametrize("root, environ", [(False, {}), (True, {"BENCH_INSTALL": "0"})])
def test_no_install_without_root_or_when_told_not_to(root: bool, environ: dict[str, str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    machine = Machine({"apt-get", "nginx"})
    assert ensure_tools(machine.find, machine.run, lambda: root, environ) is False
    assert machine.commands == []
    assert "apt-get install -y wrk" in capsys.readouterr().err


def test_without_nginx_the_bench_runs_and_says_which_rows_it_leaves_out(capsys: pytest.CaptureFixture[str]) -> None:
    machine = Machine({"wrk", "apt-get"}, installs=False)
    assert ensure_tools(machine.find, machine.run, lambda: True, {}) is True
    assert "ceiling and the replicas rows are left out" in capsys.readouterr().err

