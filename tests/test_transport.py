"""The server's own plumbing: one write per response, body deadlines swept by one timer, startup's objects frozen."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
import uvicorn

from mockserver import server
from mockserver.app import create_app
from mockserver.http.deadlines import DeadlineWatch
from mockserver.server import CoalescingTransport
from mockserver.settings import Limits, Settings


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "a write after close"
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


def test_writes_of_one_loop_step_leave_as_one_write() -> None:
    async def scenario() -> list[list[bytes]]:
        inner = RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        seen = [list(inner.writes)]  # nothing yet: the flush comes at the end of this step
        await asyncio.sleep(0)
        seen.append(list(inner.writes))
        transport.write(b"next")
        await asyncio.sleep(0)
        seen.append(list(inner.writes))
        return seen

    assert asyncio.run(scenario()) == [[], [b"HTTP/1.1 200 OK\r\n\r\nbody"], [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]]


def test_close_sends_what_is_pending_first_and_the_rest_is_the_wrapped_transport() -> None:
    async def scenario() -> tuple[list[bytes], bool, Any]:
        inner = RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.writelines([b"a", b"b"])
        transport.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left, and writes nothing after close
        return inner.writes, transport.is_closing(), transport.get_extra_info("peername")

    assert asyncio.run(scenario()) == ([b"ab"], True, ("127.0.0.1", 1))


def test_a_watched_wait_past_its_deadline_is_cancelled_within_a_tick() -> None:
    watch = DeadlineWatch(tick_s=0.01)

    async def stalled() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        task = watch.watch(0.05)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            return watch.release(task), loop.time() - started
        raise AssertionError("not cancelled")

    expired, waited = asyncio.run(stalled())
    assert expired and 0.05 <= waited < 0.5


def test_a_wait_that_ends_in_time_is_not_cancelled_and_the_timer_stops() -> None:
    watch = DeadlineWatch(tick_s=0.01)

    async def quick() -> tuple[bool, bool]:
        task = watch.watch(1.0)
        await asyncio.sleep(0.03)  # a few sweeps pass while it is watched
        expired = watch.release(task)
        await asyncio.sleep(0.03)
        return expired, task.cancelling() == 0

    assert asyncio.run(quick()) == (False, True)
    assert not watch._timers, "no timer is left running once nothing is watched"


def test_each_event_loop_gets_its_own_sweeps() -> None:
    """A test client runs a new loop per block; a deadline must hold on the second loop too."""
    watch = DeadlineWatch(tick_s=0.01)

    async def stalled() -> bool:
        task = watch.watch(0.02)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            return watch.release(task)
        return False

    async def leave_a_timer_behind() -> None:
        watch.release(watch.watch(5.0))  # its loop closes before the timer fires

    asyncio.run(leave_a_timer_behind())
    assert [asyncio.run(stalled()) for _ in range(2)] == [True, True]


def test_serving_first_freezes_what_startup_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full collection must not walk the contracts under load (docs/benchmarks.md, hot p99.9): ``serve``
    freezes every object that exists when it starts, before uvicorn runs."""
    seen: list[int] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: seen.append(gc.get_freeze_count()))
    app = create_app(Settings(access_log=False))
    sock = server.bind("127.0.0.1", 0)
    gc.unfreeze()
    try:
        server.serve(app, Limits(), sock)
    finally:
        gc.unfreeze()
        sock.close()
    assert seen and seen[0] > 10_000  # the contracts alone are hundreds of thousands of objects
