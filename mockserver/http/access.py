"""The access log: one line per HTTP request, CORS preflights included.

It wraps the whole app (outside the CORS layer, which answers preflights
itself), reads the status and scenario from the response's own start message,
and the reason a request was refused from ``scope["mockserver.reason"]``, where
the dispatcher leaves it. Text lines read
``GET /v1/agents?limit=2 200 1.3ms scenario=incident``; JSON lines carry the
same facts as fields (mockserver/logs.py).
"""

from __future__ import annotations

import logging
import time

from mockserver.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog"]

log = logging.getLogger("mockserver.access")


class AccessLog:
    def __init__(self, app: ASGIApp, default_scenario: str) -> None:
        self.app = app
        self.default_scenario = default_scenario

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, object] = {"status": 0, "scenario": ""}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-mock-scenario":
                        seen["scenario"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self._write(scope, seen, (time.perf_counter() - started) * 1000)

    def _write(self, scope: Scope, seen: dict[str, object], elapsed_ms: float) -> None:
        method, path = scope["method"], scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        target = f"{path}?{query}" if query else path
        status = seen["status"]
        scenario = seen["scenario"] if seen["scenario"] != self.default_scenario else ""
        headers = scope["headers"]
        preflight = method == "OPTIONS" and any(name == b"access-control-request-method" for name, _ in headers)
        reason = scope.get("mockserver.reason") or ""
        notes = [f"scenario={scenario}"] if scenario else []
        if preflight:
            notes.append("preflight")
        if reason and isinstance(status, int) and status >= 400:
            notes.append(f"({reason})")
        log.info("%s %s %s %.1fms%s", method, target, status or "-", elapsed_ms, "".join(" " + n for n in notes),
                 extra={"method": method, "path": path, "query": query, "status": status, "ms": round(elapsed_ms, 1),
                        "scenario": seen["scenario"], "preflight": preflight, "reason": reason})
