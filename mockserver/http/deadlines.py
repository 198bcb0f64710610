"""Deadlines for many short waits, checked by one timer instead of one timer each.

Reading a request body must end within ``body_timeout_s`` (a client that
announces a body and stalls gets 408). ``asyncio.timeout`` arms and cancels a
timer for every read, about 3 us under uvloop, though almost every body has
already arrived with its headers. Here a read only notes its task and deadline
in a dict; one timer, running only while some read is watched, cancels the
tasks whose deadline has passed every :data:`TICK_S`. A deadline is therefore
kept to within one tick (documented in the README's limits).
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["DeadlineWatch", "TICK_S"]

TICK_S = 0.1


class DeadlineWatch:
    """Tasks watched against deadlines, with one sweeping timer per event loop that has watched tasks.

    A server has one loop; an embedding program (a test client per test) may run
    several, one after another or side by side, so each loop's tasks are swept by
    that loop's own timer, and a timer left behind by a closed loop is dropped.
    """

    def __init__(self, tick_s: float = TICK_S) -> None:
        self.tick_s = tick_s
        self._deadlines: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timers: dict[asyncio.AbstractEventLoop, asyncio.TimerHandle] = {}

    def watch(self, seconds: float) -> asyncio.Task[Any]:
        """Watch the current task: past ``seconds`` from now it is cancelled (see :meth:`release`)."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("DeadlineWatch.watch needs a running task")
        loop = task.get_loop()
        self._deadlines[task] = loop.time() + seconds
        if loop not in self._timers:
            for closed in [other for other in list(self._timers) if other.is_closed()]:
                self._timers.pop(closed, None)
            self._timers[loop] = loop.call_later(self.tick_s, self._sweep, loop)
        return task

    def release(self, task: asyncio.Task[Any]) -> bool:
        """Stop watching ``task``; whether its deadline had passed (it was cancelled for it)."""
        self._deadlines.pop(task, None)
        if task in self._expired:
            self._expired.discard(task)
            task.uncancel()  # the cancellation was ours, and it has been handled
            return True
        return False

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        mine = [(task, deadline) for task, deadline in list(self._deadlines.items()) if task.get_loop() is loop]
        overdue = [task for task, deadline in mine if deadline <= now]
        for task in overdue:
            self._deadlines.pop(task, None)
            self._expired.add(task)
            task.cancel()
        if len(mine) > len(overdue):
            self._timers[loop] = loop.call_later(self.tick_s, self._sweep, loop)
        else:
            self._timers.pop(loop, None)
