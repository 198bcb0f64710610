"""The generation lane: one job at a time while jobs are quick, another thread once the running ones are slow,
never more than ``threads``, a waiting job that is cancelled never runs."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable

from mockserver.http.lane import GenerationLane


class Meter:
    """Jobs that note how many ran at once and when each started and ended."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now_running = 0
        self.most_running = 0
        self.spans: dict[str, tuple[float, float]] = {}

    def job(self, name: str, seconds: float) -> Callable[[], str]:
        def run() -> str:
            with self.lock:
                self.now_running += 1
                self.most_running = max(self.most_running, self.now_running)
            began = time.perf_counter()
            time.sleep(seconds)
            with self.lock:
                self.now_running -= 1
            self.spans[name] = (began, time.perf_counter())
            return name
        return run


def run_all(lane: GenerationLane, jobs: list[tuple[float, Callable[[], Any]]]) -> list[Any]:
    """Submit each job after its delay (seconds from the start) and gather the answers."""
    async def scenario() -> list[Any]:
        async def later(delay: float, job: Callable[[], Any]) -> Any:
            await asyncio.sleep(delay)
            return await lane.run(job)
        try:
            return await asyncio.gather(*(later(delay, job) for delay, job in jobs))
        finally:
            lane.close()
    return asyncio.run(scenario())


def test_quick_jobs_run_one_at_a_time_in_the_order_they_came() -> None:
    meter = Meter()
    lane = GenerationLane(threads=2, max_waiting=10, patience_s=0.2)
    answers = run_all(lane, [(0.0, meter.job(f"q{i}", 0.01)) for i in range(6)])
    assert answers == [f"q{i}" for i in range(6)]
    assert meter.most_running == 1
    starts = [meter.spans[f"q{i}"][0] for i in range(6)]
    assert starts == sorted(starts)


def test_a_job_waiting_behind_a_slow_one_gets_a_thread_after_the_patience() -> None:
    meter = Meter()
    lane = GenerationLane(threads=2, max_waiting=10, patience_s=0.1)
    run_all(lane, [(0.0, meter.job("slow", 0.6)), (0.01, meter.job("quick", 0.01))])
    slow_began, slow_ended = meter.spans["slow"]
    quick_began, quick_ended = meter.spans["quick"]
    assert quick_began - slow_began >= 0.09, "it waited for the patience, not beside the slow job at once"
    assert quick_ended < slow_ended, "it did not wait for the slow job to end"
    assert meter.most_running == 2


def test_never_more_than_threads_at_once() -> None:
    meter = Meter()
    lane = GenerationLane(threads=2, max_waiting=10, patience_s=0.02)
    run_all(lane, [(0.0, meter.job(f"s{i}", 0.15)) for i in range(5)])
    assert meter.most_running == 2


def test_a_waiting_job_that_is_cancelled_never_runs_and_the_next_one_does() -> None:
    meter = Meter()
    lane = GenerationLane(threads=1, max_waiting=10, patience_s=0.01)

    async def scenario() -> list[str]:
        first = asyncio.ensure_future(lane.run(meter.job("first", 0.15)))
        await asyncio.sleep(0.02)
        dropped = asyncio.ensure_future(lane.run(meter.job("dropped", 0.01)))
        last = asyncio.ensure_future(lane.run(meter.job("last", 0.01)))
        await asyncio.sleep(0.02)
        dropped.cancel()
        answers = [await first, await last]
        lane.close()
        return answers

    assert asyncio.run(scenario()) == ["first", "last"]
    assert "dropped" not in meter.spans
    assert lane.admitted == 0


def test_a_helper_keeps_serving_quick_jobs_while_a_heavy_one_runs() -> None:
    meter = Meter()
    lane = GenerationLane(threads=2, max_waiting=50, patience_s=0.05)
    run_all(lane, [(0.0, meter.job("heavy", 0.6))] + [(0.01, meter.job(f"q{i}", 0.005)) for i in range(20)])
    heavy_ended = meter.spans["heavy"][1]
    assert all(meter.spans[f"q{i}"][1] < heavy_ended for i in range(20)), "not one job per patience, all of them"


def test_jobs_already_waiting_at_shutdown_still_get_their_answers() -> None:
    meter = Meter()
    lane = GenerationLane(threads=2, max_waiting=10, patience_s=1.0)

    async def scenario() -> list[str]:
        jobs = [asyncio.ensure_future(lane.run(meter.job(f"j{i}", 0.02))) for i in range(4)]
        await asyncio.sleep(0.005)
        lane.close()
        return list(await asyncio.gather(*jobs))

    assert asyncio.run(scenario()) == ["j0", "j1", "j2", "j3"]
    assert meter.most_running == 1


def test_a_lane_met_again_on_a_new_event_loop_still_calls_its_helper() -> None:
    """An app served without lifespan may meet a new event loop per request: the patience timer left on a loop
    that has ended must not keep the next loop from looking."""
    meter = Meter()
    lane = GenerationLane(threads=2, max_waiting=10, patience_s=0.05)

    async def first() -> None:
        await lane.run(meter.job("earlier", 0.001))

    async def second() -> None:
        async def quick_later() -> str:
            await asyncio.sleep(0.01)
            return await lane.run(meter.job("quick", 0.01))
        await asyncio.gather(lane.run(meter.job("heavy", 0.5)), quick_later())

    asyncio.run(first())  # its loop ends with the patience timer still pending
    asyncio.run(second())
    lane.close()
    assert meter.spans["quick"][1] < meter.spans["heavy"][1]
