"""`make bench` finds wrk and nginx, or installs them where it can (root with apt-get), and says so."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bench.run import _family_limit, _prism_limit, cold_floor, ensure_tools


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



def test_the_cold_floor_second_pass_draws_no_run_and_is_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's cold floor rests on its second pass finding every run of the first kept: count the kept runs
    (and feedback days) each pass draws."""
    from mockserver.world import world

    drawn: dict[str, int] = {}
    current = [""]
    original = world.Memo.get_or_compute

    def counting(memo: world.Memo, key: Any, compute: Any) -> Any:
        def counted() -> Any:
            name = key[2][0] if isinstance(key[2], tuple) else key[0]
            if name in ("day-cells", "hour-cells", "feedback-row-minutes"):
                drawn[current[0]] = drawn.get(current[0], 0) + 1
            return compute()
        return original(memo, key, counted)

    monkeypatch.setattr(world.Memo, "get_or_compute", counting)
    floor = cold_floor(count=120, before_pass=lambda name: current.__setitem__(0, name))
    assert drawn.get("first", 0) > 100  # a first pass draws runs of every family and feedback days
    assert drawn.get("kept", 0) == 0
    assert floor["kept"]["rps"] > floor["first"]["rps"]
    assert set(floor["first"]["ms"]) == {"/feedback/stats", "/v1/analytics/integrations/dashboard",
                                         "/v1/analytics/sessions/escalation-rate",
                                         "/v1/analytics/tools/usage/timeseries"}


def _family(day_ms: float, operation: str) -> dict[str, Any]:
    return {"day_365d_ms": day_ms, "day_365d_op": operation}


def test_a_family_over_its_365_day_target_is_named_with_its_limit_and_one_within_is_not() -> None:
    within = {"sessions": _family(5.8, "getSessionFirstResponseTime"), "tools": _family(8.2, "getToolX")}
    assert _family_limit(within) == []
    [line] = _family_limit({**within, "integrations": _family(16.1, "getIntegrationAnalyticsSummary")})
    assert "integrations (getIntegrationAnalyticsSummary, 16.1 ms)" in line and "cProfile" in line
    assert "sessions" not in line and "tools (" not in line
    [other] = _family_limit({"tools": _family(11.0, "getToolX")})
    assert "tools (getToolX, 11.0 ms)" in other and "cProfile" not in other  # the profile is the integrations one


def test_the_prism_limit_quotes_this_runs_ratio_sizes_and_tails_or_nothing_without_prism() -> None:
    ours = {"rps": 531.0, "kb_per_reply": 6.3, "p99_ms": 194.8}
    prism = {"rps": 322.0, "kb_per_reply": 0.7, "p99_ms": 3079.5}
    [line] = _prism_limit({"sandbox_cold_feather": ours, "prism_cold": prism})
    assert "(1.6x on the Feather-only" in line and "0.7 KB" in line and "6.3 KB" in line
    assert "p99 195 ms against Prism's 3,080 ms" in line
    assert _prism_limit({"sandbox_cold_feather": ours}) == []
