"""The generation lane: validation and generation run on worker threads, never on the event loop.

A year of hourly buckets costs the CPU a second; on the event loop that second
would stall every other client, ``/healthz`` and cached replies included. Here
the loop only routes, authenticates, reads bodies and serves cached bytes, and
hands everything else to worker threads:

* **one worker takes the jobs one after another, in order**: the jobs are Python and
  numpy under one interpreter lock, so two running together are not faster than
  one after the other: they are slower, each numpy call handing the lock to the
  other thread and back (measured 2026-12-07 with wrk: cold requests 252 -> 349
  req/s and p99 343 -> 261 ms with one thread instead of two). The worker takes its
  next job from a queue as soon as it is done with the last, without waiting for
  the event loop to hand it over: a round trip through the loop per job, waking a
  thread each way, halved the throughput of cheap jobs (1,900 against 3,600 req/s
  of kept-run escalation rates answered on the loop itself);
* **helpers past patience**: a job that has waited behind running ones for
  ``patience_s`` (:data:`PATIENCE_S`) while every running job has run that long
  gets a helper thread (up to ``threads`` in all), so a heavy request holds a cheap
  one back by about that long at most;
* **bounded queue**: at most ``max_waiting`` more jobs wait; beyond that the
  request is answered at once with 503 and ``Retry-After`` (:class:`Overloaded`),
  which is cheaper for everyone than an ever-growing queue;
* **memory given back**: glibc keeps freed memory in per-thread arenas, so after a
  burst of heavy requests the process would stay at its peak. When the lane falls
  idle after at least :data:`TRIM_AFTER_BUSY_S` of work, the free pages go back to
  the system (``mockserver/memory.py``).

Answers come back to the loop with ``call_soon_threadsafe``. The lane's counters are touched only on the
loop's thread; the workers note only when each began its current job.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from typing import Any, Callable, TypeVar

from mockserver.memory import release_free_memory

__all__ = ["GenerationLane", "Overloaded", "PATIENCE_S", "helper_due", "still_helping"]

T = TypeVar("T")

TRIM_AFTER_BUSY_S = 0.25
PATIENCE_S = 0.02  # a waiting job gets a helper thread once every running job has run this long

# A job in the queue: the loop to answer on, the future to answer, the job and its arguments.
_Item = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def helper_due(began: list[float], now: float, patience: float) -> bool:
    """Whether a helper should take a waiting job: one is idle, and every busy worker (``began``: when each began
    its job, 0.0 when idle) has been on its job for ``patience``."""
    busy = [at for at in began if at]
    return bool(busy) and len(busy) < len(began) and all(now - at >= patience for at in busy)


def still_helping(began: list[float], index: int, now: float, patience: float) -> bool:
    """Whether helper ``index`` should take another waiting job: the jobs it helps with are still running past
    ``patience`` (they are heavy)."""
    others = [at for position, at in enumerate(began) if position != index and at]
    return bool(others) and all(now - at >= patience for at in others)


class Overloaded(Exception):
    """Every worker is busy and the queue is full."""


class GenerationLane:
    def __init__(self, threads: int, max_waiting: int, patience_s: float = PATIENCE_S) -> None:
        self.threads = threads
        self.max_waiting = max_waiting
        self.patience_s = patience_s
        self._workers: _Workers | None = None  # started on first use, so a closed lane can start again
        self.admitted = 0  # running + waiting
        self.busy_since_trim = 0.0  # seconds of jobs since memory was last given back
        self._check: asyncio.TimerHandle | None = None
        self._check_loop: asyncio.AbstractEventLoop | None = None

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        if self.admitted >= self.threads + self.max_waiting:
            raise Overloaded
        self.admitted += 1
        loop = asyncio.get_running_loop()
        workers = self._workers_for_use()
        started = time.perf_counter()
        try:
            done: asyncio.Future[T] = loop.create_future()
            workers.put((loop, done, job, args))
            self._watch(loop)
            return await done
        finally:
            self.admitted -= 1
            self.busy_since_trim += time.perf_counter() - started
            # Not on workers closed meanwhile (lifespan shutdown with a request still generating).
            if self.admitted == 0 and self.busy_since_trim >= TRIM_AFTER_BUSY_S and workers is self._workers:
                self.busy_since_trim = 0.0
                workers.put((loop, loop.create_future(), release_free_memory, ()))

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """While jobs wait, look every ``patience_s`` whether a helper should take one (one timer at a time, on
        the loop now running: an app served without lifespan may meet a new loop per request, and a timer left
        on a finished loop never fires)."""
        if self.threads > 1 and (self._check is None or self._check_loop is not loop):
            self._check = loop.call_later(self.patience_s, self._look_again, loop)
            self._check_loop = loop

    def _look_again(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._check_loop:  # a timer of a loop the lane has since left
            return
        self._check = None
        workers = self._workers
        if workers is None or not workers.waiting():
            return
        workers.help_if_patience_ran_out(time.perf_counter())
        self._watch(loop)

    def _workers_for_use(self) -> _Workers:
        if self._workers is None:
            self._workers = _Workers(self.threads, self.patience_s)
        return self._workers

    def close(self) -> None:
        """At lifespan shutdown; an app served again (tests do) gets new workers on its next request."""
        workers, self._workers = self._workers, None
        if self._check is not None:
            self._check.cancel()
            self._check = None
        if workers is not None:
            workers.stop()


class _Workers:
    """A first worker that takes every job in turn, and helpers that take one when given a permit."""

    def __init__(self, threads: int, patience: float) -> None:
        self.patience = patience
        self.jobs: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self.began = [0.0] * threads  # when each worker began its current job (perf_counter); 0.0: idle
        self.permits = threading.Semaphore(0)
        self.stopping = False
        for index in range(threads):
            threading.Thread(target=self._work, args=(index,), name=f"mockserver-generate-{index}", daemon=True).start()

    def put(self, item: _Item) -> None:
        self.jobs.put(item)

    def waiting(self) -> bool:
        return not self.jobs.empty()

    def help_if_patience_ran_out(self, now: float) -> None:
        """Give one helper a permit when one is idle and every busy worker has been on its job for ``patience``."""
        if helper_due(self.began, now, self.patience):
            self.permits.release()

    def stop(self) -> None:
        """The helpers end now; the first worker once the jobs already queued are done (their requests get answers
        while the server shuts down)."""
        self.stopping = True
        self.jobs.put(None)
        for _ in self.began[1:]:
            self.permits.release()

    def _work(self, index: int) -> None:
        if index:
            self._help(index)
            return
        while True:  # the first worker: every job in turn, until the end mark (jobs queued before it still run)
            item = self.jobs.get()
            if item is None:
                return
            self._run(index, item)

    def _help(self, index: int) -> None:
        """A helper: given a permit, take waiting jobs for as long as the jobs it helps with are still running
        past patience (they are heavy), then wait for the next permit."""
        while True:
            self.permits.acquire()
            while not self.stopping:
                try:
                    item = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if item is None:  # the first worker's end mark: it is the first worker's to take
                    self.jobs.put(None)
                    return
                self._run(index, item)
                if not still_helping(self.began, index, time.perf_counter(), self.patience):
                    break
            if self.stopping:
                return

    def _run(self, index: int, item: _Item) -> None:
        loop, done, job, args = item
        if done.cancelled():  # its request went away while it waited
            return
        self.began[index] = time.perf_counter()
        try:
            result, error = job(*args), None
        except BaseException as exc:  # the request's own error, raised where it awaits
            result, error = None, exc
        finally:
            self.began[index] = 0.0
        try:
            loop.call_soon_threadsafe(_settle, done, result, error)
        except RuntimeError:  # the loop is closed: nobody awaits the answer
            pass


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)
