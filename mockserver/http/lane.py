"""The generation lane: validation and generation run on worker threads, never on the event loop.

A year of hourly buckets costs the CPU a second; on the event loop that second
would stall every other client, ``/healthz`` and cached replies included. Here
the loop only routes, authenticates, reads bodies and serves cached bytes, and
hands everything else to a small thread pool:

* **one job at a time, a second only past patience**: the jobs are Python and
  numpy under one interpreter lock, so two running together are not faster
  than one after the other: they are slower, because each numpy call hands the
  lock to the other thread and back (measured 2026-12-07 with wrk: cold
  requests 252 -> 349 req/s and p99 343 -> 261 ms with one thread instead of
  two). So a job starts at once only when none is running; a waiting job gets
  another thread (up to ``threads``) only once every running job has run for
  ``patience_s`` (:data:`PATIENCE_S`): a heavy request holds a cheap one back
  by at most that long, and cheap requests never fight over the lock;
* **bounded queue**: at most ``max_waiting`` more jobs wait; beyond that the
  request is answered at once with 503 and ``Retry-After`` (:class:`Overloaded`),
  which is cheaper for everyone than an ever-growing queue;
* **memory given back**: glibc keeps freed memory in per-thread arenas, so after a
  burst of heavy requests the process would stay at its peak. When the lane falls
  idle after at least :data:`TRIM_AFTER_BUSY_S` of work, the free pages go back to
  the system (``mockserver/memory.py``).

The lane's bookkeeping (who runs, who waits) is touched only on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from mockserver.memory import release_free_memory

__all__ = ["GenerationLane", "Overloaded", "PATIENCE_S"]

T = TypeVar("T")

TRIM_AFTER_BUSY_S = 0.25
PATIENCE_S = 0.02  # a waiting job gets another thread once every running job has run this long


class Overloaded(Exception):
    """Every worker is busy and the queue is full."""


class GenerationLane:
    def __init__(self, threads: int, max_waiting: int, patience_s: float = PATIENCE_S) -> None:
        self.threads = threads
        self.max_waiting = max_waiting
        self.patience_s = patience_s
        self._pool: ThreadPoolExecutor | None = None  # started on first use, so a closed lane can start again
        self.admitted = 0  # running + waiting
        self.busy_since_trim = 0.0  # seconds of jobs since memory was last given back
        self._running: list[float] = []  # when each running job started (perf_counter), in the order they started
        self._waiting: deque[asyncio.Future[float]] = deque()  # resolved with the job's start when its turn comes
        self._check: asyncio.TimerHandle | None = None

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        if self.admitted >= self.threads + self.max_waiting:
            raise Overloaded
        self.admitted += 1
        loop = asyncio.get_running_loop()
        pool = self._pool_for_use()
        started = time.perf_counter()
        try:
            began = await self._turn(loop, started)
            try:
                return await loop.run_in_executor(pool, functools.partial(job, *args))
            finally:
                self._running.remove(began)
                self._grant(loop)
        finally:
            self.admitted -= 1
            self.busy_since_trim += time.perf_counter() - started
            # Not on a pool closed meanwhile (lifespan shutdown with a request still generating): submitting to it
            # would raise here and turn the answer just made into a 500.
            if self.admitted == 0 and self.busy_since_trim >= TRIM_AFTER_BUSY_S and pool is self._pool:
                self.busy_since_trim = 0.0
                loop.run_in_executor(pool, release_free_memory)

    async def _turn(self, loop: asyncio.AbstractEventLoop, now: float) -> float:
        """Wait until this job may start (at once when nothing waits before it and :meth:`_may_start`); the time
        it started, its entry in ``_running``."""
        if not self._waiting and self._may_start(now):
            self._running.append(now)
            return now
        turn: asyncio.Future[float] = loop.create_future()
        self._waiting.append(turn)
        self._watch(loop)
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # its turn came as it was cancelled: pass the turn on
                self._running.remove(turn.result())
                self._grant(loop)
            elif turn in self._waiting:
                self._waiting.remove(turn)
            raise

    def _may_start(self, now: float) -> bool:
        """Nothing runs, or fewer than ``threads`` run and every one of them has run for ``patience_s``."""
        if not self._running:
            return True
        return len(self._running) < self.threads and now - self._running[-1] >= self.patience_s

    def _grant(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the waiting jobs that may start now, oldest first; watch for the patience of the rest."""
        now = time.perf_counter()
        while self._waiting and self._may_start(now):
            turn = self._waiting.popleft()
            if turn.done():  # cancelled while waiting
                continue
            self._running.append(now)
            turn.set_result(now)
        self._watch(loop)

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """With jobs waiting and a thread to spare, look again when the youngest running job has run for
        ``patience_s`` (one timer at a time)."""
        if self._check is not None or not self._waiting or not self._running or len(self._running) >= self.threads:
            return
        due = self._running[-1] + self.patience_s - time.perf_counter()
        self._check = loop.call_later(max(due, 0.0), self._look_again, loop)

    def _look_again(self, loop: asyncio.AbstractEventLoop) -> None:
        self._check = None
        self._grant(loop)

    def _pool_for_use(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="mockserver-generate")
        return self._pool

    def close(self) -> None:
        """At lifespan shutdown; an app served again (tests do) gets a new pool on its next request."""
        pool, self._pool = self._pool, None
        if self._check is not None:
            self._check.cancel()
            self._check = None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
