"""``--workers N``: N forked processes serving one listening socket.

The app is built once, before the fork, so every worker starts from the same
contracts, fixtures and seed and gives the same bytes for the same request (the
world is a pure function of them; no state is shared after the fork, each
worker keeps its own response cache). The kernel spreads connections over the
workers. The parent only supervises: SIGTERM or SIGINT is passed on to every
worker, which finishes its requests within the shutdown deadline; a worker that
dies is started again, unless it exited by itself within a second of starting
(a startup failure: the parent stops everything and exits 1 rather than loop).

Forking needs a POSIX system; on others ``--workers`` above 1 is refused.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from typing import Callable

__all__ = ["run_workers"]

log = logging.getLogger("mockserver")

QUICK_DEATH_S = 1.0


def run_workers(serve: Callable[[], None], count: int, shutdown_timeout_s: float) -> int:
    if not hasattr(os, "fork"):
        print("mockserver: --workers above 1 needs a system with fork(); run one process per port instead",
              file=sys.stderr)
        return 2
    children: dict[int, float] = {}  # pid -> start time
    stopping = False

    def start() -> None:
        pid = os.fork()
        if pid == 0:  # the worker: serve, then leave without running the parent's cleanup
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                serve()
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)  # before the first fork: a SIGTERM at any moment stops everything cleanly
    signal.signal(signal.SIGINT, stop)
    for _ in range(count):
        start()
    code = 0
    deadline: float | None = None
    while children:
        if stopping and deadline is None:
            deadline = time.monotonic() + shutdown_timeout_s + 2
        try:
            pid, status = os.waitpid(-1, os.WNOHANG if deadline else 0)
        except ChildProcessError:
            break
        if pid == 0:  # stopping, and no worker has ended yet
            if deadline is not None and time.monotonic() > deadline:
                for late in list(children):
                    _signal(late, signal.SIGKILL)
            time.sleep(0.05)
            continue
        started = children.pop(pid, None)
        if stopping or started is None:
            continue
        log.warning("worker %d ended (%s); starting another", pid, _describe(status))
        if not os.WIFSIGNALED(status) and time.monotonic() - started < QUICK_DEATH_S:
            log.error("a worker ended within %.0f s of starting: stopping", QUICK_DEATH_S)
            code = 1
            stop(signal.SIGTERM, None)
            continue
        start()
    return code


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"
