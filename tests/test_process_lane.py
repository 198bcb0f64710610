"""The generation process (``http/process_lane.py``): jobs run in a forked child, their answers and errors come
back, admission is the parent's, and a lost child costs no request its answer."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from mockserver.http.lane import Overloaded
from mockserver.http.process_lane import ProcessLane, fork
from mockserver.process import start_server

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the generation process needs fork()")


class Jobs:
    """What both processes hold since the fork (jobs refer to it by number, never pickled)."""

    def __init__(self) -> None:
        self.state = "set before the fork"

    def where(self, delay: float = 0.0) -> int:
        time.sleep(delay)
        return os.getpid()

    def echo(self, value: Any) -> Any:
        return value

    def read_state(self, _: Any = None) -> str:
        return self.state

    def fail(self) -> None:
        raise ValueError("the request's own error")


def _ended(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already collected
            return True
        if done:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


def _lane(jobs: Jobs, threads: int = 2, max_waiting: int = 8) -> ProcessLane:
    return fork([jobs], threads, max_waiting, patience_s=0.02)


def test_jobs_run_in_the_child_with_the_objects_it_was_forked_with(jobs: Jobs) -> None:
    lane = _lane(jobs)

    async def scenario() -> tuple[int, str, Any]:
        jobs.state = "changed in the parent after the fork"
        where = await lane.run(jobs.where)
        state = await lane.run(jobs.read_state)
        echoed = await lane.run(jobs.echo, {"query": ["a", "b"], "body": b"\x00\xff", "n": 2**70})
        return where, state, echoed

    try:
        where, state, echoed = asyncio.run(scenario())
    finally:
        lane.close()
    assert where == lane.pid != os.getpid()
    assert state == "set before the fork"  # the child's own copy: the object itself was not sent
    assert echoed == {"query": ["a", "b"], "body": b"\x00\xff", "n": 2**70}
    assert _ended(lane.pid)


def test_many_jobs_at_once_each_get_their_own_answer(jobs: Jobs) -> None:
    lane = _lane(jobs, max_waiting=200)

    async def scenario() -> list[Any]:
        return await asyncio.gather(*(lane.run(jobs.echo, (i, "x" * (i * 97 % 5000))) for i in range(150)))

    try:
        answers = asyncio.run(scenario())
    finally:
        lane.close()
    assert answers == [(i, "x" * (i * 97 % 5000)) for i in range(150)]


def test_a_jobs_error_is_raised_where_it_is_awaited(jobs: Jobs) -> None:
    lane = _lane(jobs)

    async def scenario() -> str:
        with pytest.raises(ValueError, match="the request's own error"):
            await lane.run(jobs.fail)
        return await lane.run(jobs.read_state)

    try:
        assert asyncio.run(scenario()) == "set before the fork"  # the child goes on after an error
    finally:
        lane.close()


def test_beyond_running_and_waiting_jobs_the_parent_answers_overloaded(jobs: Jobs) -> None:
    lane = _lane(jobs, threads=1, max_waiting=1)

    async def scenario() -> list[Any]:
        first = asyncio.ensure_future(lane.run(jobs.where, 0.5))
        second = asyncio.ensure_future(lane.run(jobs.where, 0.0))
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded):
            await lane.run(jobs.where)
        return list(await asyncio.gather(first, second))

    try:
        assert asyncio.run(scenario()) == [lane.pid, lane.pid]
    finally:
        lane.close()


def test_a_heavy_job_holds_a_cheap_one_back_for_about_the_patience_only(jobs: Jobs) -> None:
    """The first worker is busy for a second; the job behind it gets a helper once that job has run past
    patience (20 ms here), not once it ends."""
    lane = _lane(jobs, threads=2)

    async def scenario() -> list[tuple[float, float]]:
        timings = []
        for _ in range(2):  # and again, once the child has been idle
            heavy = asyncio.ensure_future(lane.run(jobs.where, 1.0))
            await asyncio.sleep(0.1)
            began = time.perf_counter()
            await lane.run(jobs.where, 0.0)
            cheap = time.perf_counter() - began
            await heavy
            timings.append((cheap, time.perf_counter() - began))
            await asyncio.sleep(0.2)
        return timings

    try:
        for cheap, both in asyncio.run(scenario()):
            assert cheap < 0.4 < both
    finally:
        lane.close()


def test_with_one_thread_jobs_run_in_order(jobs: Jobs) -> None:
    lane = _lane(jobs, threads=1)

    async def scenario() -> float:
        heavy = asyncio.ensure_future(lane.run(jobs.where, 0.5))
        await asyncio.sleep(0.05)
        began = time.perf_counter()
        await lane.run(jobs.where, 0.0)
        await heavy
        return time.perf_counter() - began

    try:
        assert asyncio.run(scenario()) > 0.3  # behind the heavy one
    finally:
        lane.close()


def test_a_lost_child_costs_no_request_its_answer(jobs: Jobs, caplog: pytest.LogCaptureFixture) -> None:
    """Killed while a job runs and another waits: both are answered on threads in the parent, and so is every
    later job; the log says so once."""
    lane = _lane(jobs, threads=1)

    async def scenario() -> list[int]:
        running = asyncio.ensure_future(lane.run(jobs.where, 1.0))
        waiting = asyncio.ensure_future(lane.run(jobs.where, 0.0))
        await asyncio.sleep(0.2)
        os.kill(lane.pid, signal.SIGKILL)
        answers = list(await asyncio.wait_for(asyncio.gather(running, waiting), 10))
        return answers + [await lane.run(jobs.where)]

    try:
        answers = asyncio.run(scenario())
    finally:
        lane.close()
    assert answers == [os.getpid()] * 3
    assert lane.lost
    assert [r.getMessage() for r in caplog.records if "generation process" in r.getMessage()] == [
        f"the generation process ended (pid {lane.pid}); generating on threads in this process from now on"]
    assert _ended(lane.pid)


def test_a_job_that_cannot_travel_runs_in_the_parent(jobs: Jobs) -> None:
    lane = _lane(jobs)

    async def scenario() -> Any:
        return await lane.run(jobs.echo, lambda: None)  # a lambda does not pickle

    try:
        answer = asyncio.run(scenario())
    finally:
        lane.close()
    assert callable(answer) and not lane.lost


def test_closing_ends_the_child_even_before_any_job(jobs: Jobs) -> None:
    lane = _lane(jobs)
    lane.close()
    assert _ended(lane.pid)


NOW = "2026-01-15T12:00:00Z"
BASIC = {"authorization": "Basic " + base64.b64encode(b"u:p").decode()}
REQUESTS: list[tuple[str, str, dict[str, str], Any]] = [
    ("GET", "/v1/analytics/integrations/dashboard?start_date=2026-03-03&end_date=2026-03-09&granularity=hour",
     {"x-api-key": "k"}, None),
    ("GET", "/v1/analytics/sessions/escalation-rate?start_date=2025-12-01&end_date=2025-12-02&granularity=minute",
     {"x-api-key": "k", "prefer": "scenario=incident"}, None),
    ("GET", "/v1/v2/conversations?limit=20", {"x-api-key": "k"}, None),
    ("GET", "/v1/agents?limit=5", {"x-api-key": "k"}, None),
    ("GET", "/v1/analytics/tools/usage/timeseries?start_date=2026-01-40", {"x-api-key": "k"}, None),  # 422
    ("POST", "/feedback/stats", BASIC, {"project_id": "acme/evals", "start": "2025-12-01T00:00:00Z",
                                        "end": "2025-12-03T00:00:00Z", "granularity": 3600,
                                        "metrics": [{"json_path": "output.score", "percentiles": [50, 95]}]}),
]


def _children_of(pid: int, expected: int = 1) -> list[int]:
    """The server's child processes, once there are ``expected`` (the URL is printed before the fork)."""
    for _ in range(100):
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        if len(found) == expected:
            break
        time.sleep(0.05)
    return found


def _gone(pid: int, within: float = 10.0) -> bool:
    """Ended (a zombie counts: its parent, or init, collects it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the child through Linux's /proc")
def test_mockserver_serve_generates_in_a_child_with_the_bytes_threads_give_and_survives_losing_it() -> None:
    answers: dict[str, list[tuple[int, bytes]]] = {}
    for mode in ("process", "thread"):
        server = start_server(["--generation", mode, "--now", NOW])
        child = 0
        try:
            children = _children_of(server.process.pid, 1 if mode == "process" else 0)
            assert len(children) == (1 if mode == "process" else 0)
            with httpx.Client(base_url=server.url, timeout=30) as client:
                answers[mode] = [(r.status_code, r.content) for r in (
                    client.request(method, path, headers=headers, json=body)
                    for method, path, headers, body in REQUESTS)]
                if mode == "process":
                    child = children[0]
                    os.kill(child, signal.SIGKILL)
                    again = client.get(REQUESTS[0][1].replace("03-09", "03-10"), headers={"x-api-key": "k"})
                    assert again.status_code == 200 and again.json()["summary"]
        finally:
            server.process.send_signal(signal.SIGTERM)
            code = server.process.wait(timeout=20)
            server.stop()
        assert code == 0, server.log_text()
        if mode == "process":
            assert _gone(child)
            assert "the generation process ended" in server.log_text()
    assert [status for status, _ in answers["process"]] == [200, 200, 200, 200, 422, 200]
    assert answers["process"] == answers["thread"]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the child through Linux's /proc")
def test_the_generation_process_ends_with_its_server_even_a_killed_one() -> None:
    server = start_server(["--now", NOW, "--no-access-log"])
    try:
        [child] = _children_of(server.process.pid)
        assert httpx.get(server.url + REQUESTS[3][1], headers={"x-api-key": "k"}).status_code == 200
        server.process.kill()  # no shutdown at all: the kernel closes the parent's end for it
        server.process.wait(timeout=20)
        assert _gone(child)
    finally:
        server.stop()
