"""The generation lane: validation and generation run on worker threads, never on the event loop.

A year of hourly buckets costs the CPU a second; on the event loop that second
would stall every other client, ``/healthz`` and cached replies included. Here
the loop only routes, authenticates, reads bodies and serves cached bytes, and
hands everything else to a small thread pool:

* **bounded concurrency**: ``threads`` jobs run at once (memory held by
  generation is bounded by it); numpy releases the GIL in its loops, and the
  interpreter switches threads every millisecond, so the loop stays responsive;
* **bounded queue**: at most ``max_waiting`` more jobs wait; beyond that the
  request is answered at once with 503 and ``Retry-After`` (:class:`Overloaded`),
  which is cheaper for everyone than an ever-growing queue;
* **memory given back**: glibc keeps freed memory in per-thread arenas, so after a
  burst of heavy requests the process would stay at its peak. When the lane falls
  idle after at least :data:`TRIM_AFTER_BUSY_S` of work, the free pages go back to
  the system (``mockserver/memory.py``).
"""

from __future__ import annotations

import asyncio
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from mockserver.memory import release_free_memory

__all__ = ["GenerationLane", "Overloaded"]

T = TypeVar("T")

TRIM_AFTER_BUSY_S = 0.25


class Overloaded(Exception):
    """Every worker is busy and the queue is full."""


class GenerationLane:
    def __init__(self, threads: int, max_waiting: int) -> None:
        self.threads = threads
        self.max_waiting = max_waiting
        self._pool: ThreadPoolExecutor | None = None  # started on first use, so a closed lane can start again
        self.admitted = 0  # running + waiting; touched only on the event loop's thread
        self.busy_since_trim = 0.0  # seconds of jobs since memory was last given back

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        if self.admitted >= self.threads + self.max_waiting:
            raise Overloaded
        self.admitted += 1
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        pool = self._pool_for_use()
        try:
            return await loop.run_in_executor(pool, functools.partial(job, *args))
        finally:
            self.admitted -= 1
            self.busy_since_trim += time.perf_counter() - started
            # Not on a pool closed meanwhile (lifespan shutdown with a request still generating): submitting to it
            # would raise here and turn the answer just made into a 500.
            if self.admitted == 0 and self.busy_since_trim >= TRIM_AFTER_BUSY_S and pool is self._pool:
                self.busy_since_trim = 0.0
                loop.run_in_executor(pool, release_free_memory)

    def _pool_for_use(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="mockserver-generate")
        return self._pool

    def close(self) -> None:
        """At lifespan shutdown; an app served again (tests do) gets a new pool on its next request."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
