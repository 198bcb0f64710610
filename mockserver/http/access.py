"""The access log: one line per HTTP request, CORS preflights included, off the request path.

It wraps the whole app (outside the CORS layer, which answers preflights
itself). The dispatcher leaves each request's status, scenario and the reason it
was refused in ``scope["mockserver.outcome"]``; only an ``OPTIONS`` request, which
the CORS layer may answer before the dispatcher sees it, has its status read
from the response's own start message. Text lines read
``GET /v1/agents?limit=2 200 1.3ms scenario=incident``; JSON lines carry the
same facts as fields (mockserver/logs.py).

Formatting and writing a line costs more than serving a cached reply, so the
request path only appends a tuple to a queue; a writer thread turns the queue
into lines every :data:`FLUSH_EVERY_S` (and at shutdown), stamped with the
time each request ended, :data:`CHUNK_LINES` at a time with a pause between
(``time.sleep(0)``) so the event loop is not kept waiting behind a long batch.
Nothing is dropped: the queue is unbounded in count but drained ten times a
second, and a blocked log stream delays only the writer.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
import weakref
from time import perf_counter
from typing import Any

from mockserver.logs import write_access_batch
from mockserver.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "CHUNK_LINES", "FLUSH_EVERY_S"]

log = logging.getLogger("mockserver.access")

FLUSH_EVERY_S = 0.1
# Lines formatted and written per step; the writer yields between steps. A 100 ms batch under load is a few
# thousand lines, several milliseconds of work: done in one go it held up the requests behind it (hot p99
# 4.7 ms, against 3.4 ms in steps of 256 and 2.0 ms with no log; smaller steps cost throughput).
CHUNK_LINES = 256

_UNANSWERED = (0, "", "")  # status, scenario, reason of a request the dispatcher never answered
# started, ended (both ``time.perf_counter()``), method, path, query, outcome, preflight: the request path only
# reads the clock twice and the scope; the writer turns the clock readings into the wall-clock stamp and the
# duration (the fewer steps on the request path, the closer the hot path is to the bare route).
Entry = tuple[float, float, str, str, bytes, tuple[int, str, str], bool]


class AccessLog:
    """The access-log layer; see the module docstring."""

    def __init__(self, app: ASGIApp, default_scenario: str) -> None:
        self.app = app
        self.default_scenario = default_scenario
        self._pending: collections.deque[Entry] = collections.deque()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        _LOGS.add(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            try:
                await self.app(scope, receive, send)
            finally:
                if scope["type"] == "lifespan":
                    self.flush()  # shutdown: every line written before the process ends
            return
        started = perf_counter()
        method = scope["method"]
        preflight = False
        try:
            if method == "OPTIONS":
                preflight = any(name == b"access-control-request-method" for name, _ in scope["headers"])
                await self.app(scope, receive, _noting_status(scope, send))
            else:
                await self.app(scope, receive, send)
        finally:
            self._pending.append((started, perf_counter(), method, scope["path"], scope.get("query_string", b""),
                                  scope.get("mockserver.outcome", _UNANSWERED), preflight))
            if self._writer is None:
                self._start_writer()

    def _start_writer(self) -> None:
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, name="access-log", daemon=True)
                self._writer.start()

    def _forget_writer(self) -> None:
        self._writer = None
        self._lock = threading.Lock()

    def _write_forever(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY_S)
            self.flush()

    def flush(self) -> None:
        """Write every pending line now (the writer thread calls this ten times a second)."""
        pending = self._pending
        batch = [pending.popleft() for _ in range(len(pending))]  # appends may go on meanwhile: later batch
        for start in range(0, len(batch), CHUNK_LINES):
            if start:
                time.sleep(0)  # let the event loop in between chunks (module docstring)
            self._write(batch[start:start + CHUNK_LINES])

    def _write(self, entries: list[Entry]) -> None:
        wall = time.time() - perf_counter()  # the wall clock less the performance counter, read once a batch
        stamps = [entry[1] + wall for entry in entries]
        messages = self._messages(entries)
        if not write_access_batch(stamps, messages, lambda i: _fields(entries[i])):
            for stamp, entry, message in zip(stamps, entries, messages):
                self._emit(stamp, entry, message)

    def _messages(self, entries: list[Entry]) -> list[str]:
        """``GET /v1/agents?limit=2 200 1.3ms scenario=incident``: one plain loop, a fifth of a request's cost."""
        default = self.default_scenario
        messages = []
        for started, ended, method, path, raw_query, (status, scenario, reason), preflight in entries:
            notes = " scenario=" + scenario if scenario and scenario != default else ""
            if preflight:
                notes += " preflight"
            if reason and status >= 400:
                notes += f" ({reason})"
            if raw_query:
                messages.append("%s %s?%s %s %.1fms%s" % (method, path, raw_query.decode("latin-1"), status or "-",
                                                          (ended - started) * 1000, notes))
            else:
                messages.append("%s %s %s %.1fms%s" % (method, path, status or "-", (ended - started) * 1000, notes))
        return messages

    def _emit(self, ended: float, entry: Entry, message: str) -> None:
        record = log.makeRecord(log.name, logging.INFO, __file__, 0, "%s", (message,), None, extra=_fields(entry))
        record.created = ended
        record.msecs = (ended - int(ended)) * 1000
        if log.isEnabledFor(logging.INFO):
            log.handle(record)


def _fields(entry: Entry) -> dict[str, Any]:
    """A line's facts as separate fields (JSON lines, log records)."""
    started, ended, method, path, raw_query, (status, scenario, reason), preflight = entry
    return {"method": method, "path": path, "query": raw_query.decode("latin-1"), "status": status,
            "ms": round((ended - started) * 1000, 1), "scenario": scenario, "preflight": preflight, "reason": reason}


_LOGS: weakref.WeakSet[AccessLog] = weakref.WeakSet()


def _after_fork() -> None:
    """A thread does not survive ``fork``: a forked worker starts its own writer at its first request."""
    for access_log in list(_LOGS):
        access_log._forget_writer()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _noting_status(scope: Scope, send: Send) -> Send:
    """``send``, noting the status in the scope when the dispatcher did not (a preflight the CORS layer answered)."""
    async def send_and_note(message: Message) -> None:
        if message["type"] == "http.response.start" and "mockserver.outcome" not in scope:
            scope["mockserver.outcome"] = (message["status"], "", "")
        await send(message)

    return send_and_note

