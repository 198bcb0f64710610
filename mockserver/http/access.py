"""The access log: one line per HTTP request, CORS preflights included, off the request path.

It wraps the whole app (outside the CORS layer, which answers preflights
itself), reads the status and scenario from the response's own start message,
and the reason a request was refused from ``scope["mockserver.reason"]``, where
the dispatcher leaves it. Text lines read
``GET /v1/agents?limit=2 200 1.3ms scenario=incident``; JSON lines carry the
same facts as fields (mockserver/logs.py).

Formatting and writing a line costs more than serving a cached reply, so the
request path only appends a tuple to a queue; a writer thread turns the queue
into log records every :data:`FLUSH_EVERY_S` (and at shutdown), stamped with the
time each request ended. Nothing is dropped: the queue is unbounded in count but
drained ten times a second, and a blocked log stream delays only the writer.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from typing import Any

from mockserver.logs import AccessLine, write_access_batch
from mockserver.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "FLUSH_EVERY_S"]

log = logging.getLogger("mockserver.access")

FLUSH_EVERY_S = 0.1

Entry = tuple[float, str, str, str, int, float, str, bool, str]  # ended, method, path, query, status, ms, ...


class AccessLog:
    def __init__(self, app: ASGIApp, default_scenario: str) -> None:
        self.app = app
        self.default_scenario = default_scenario
        self._pending: collections.deque[Entry] = collections.deque()
        self._writer: threading.Thread | None = None
        self._writer_pid = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            try:
                await self.app(scope, receive, send)
            finally:
                if scope["type"] == "lifespan":
                    self.flush()  # shutdown: every line written before the process ends
            return
        started = time.perf_counter()
        seen: list[Any] = [0, ""]  # status, scenario

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen[0] = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-mock-scenario":
                        seen[1] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method = scope["method"]
            preflight = method == "OPTIONS" and any(name == b"access-control-request-method"
                                                    for name, _ in scope["headers"])
            self._pending.append((time.time(), method, scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                  seen[0], (time.perf_counter() - started) * 1000, seen[1], preflight,
                                  scope.get("mockserver.reason") or ""))
            self._ensure_writer()

    def _ensure_writer(self) -> None:
        # Started lazily, and again in a forked worker (a thread does not survive fork).
        if self._writer is None or self._writer_pid != os.getpid():
            with self._lock:
                if self._writer is None or self._writer_pid != os.getpid():
                    self._writer_pid = os.getpid()
                    self._writer = threading.Thread(target=self._write_forever, name="access-log", daemon=True)
                    self._writer.start()

    def _write_forever(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY_S)
            self.flush()

    def flush(self) -> None:
        """Write every pending line now (the writer thread calls this ten times a second)."""
        batch = []
        while self._pending:
            batch.append(self._line(self._pending.popleft()))
        if batch and not write_access_batch(batch):
            for line in batch:
                self._emit(line)

    def _line(self, entry: Entry) -> AccessLine:
        ended, method, path, query, status, elapsed_ms, scenario, preflight, reason = entry
        shown_scenario = scenario if scenario != self.default_scenario else ""
        notes = [f"scenario={shown_scenario}"] if shown_scenario else []
        if preflight:
            notes.append("preflight")
        if reason and status >= 400:
            notes.append(f"({reason})")
        target = f"{path}?{query}" if query else path
        message = f"{method} {target} {status or '-'} {elapsed_ms:.1f}ms{''.join(' ' + n for n in notes)}"
        return ended, message, {"method": method, "path": path, "query": query, "status": status,
                                "ms": round(elapsed_ms, 1), "scenario": scenario, "preflight": preflight,
                                "reason": reason}

    def _emit(self, line: AccessLine) -> None:
        ended, message, fields = line
        record = log.makeRecord(log.name, logging.INFO, __file__, 0, "%s", (message,), None, extra=fields)
        record.created = ended
        record.msecs = (ended - int(ended)) * 1000
        if log.isEnabledFor(logging.INFO):
            log.handle(record)
