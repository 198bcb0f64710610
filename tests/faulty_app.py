"""Deliberately faulty implementations, for ``mockserver check`` to catch.

``FAULT`` chooses the fault; everything else is the real sandbox (keys
configured), so each run fails for exactly one reason.
"""

from __future__ import annotations

import json
import os
from typing import Any

from mockserver.app import create_app
from mockserver.settings import Settings

KEY = "right-key"


def app() -> Any:
    sandbox = create_app(Settings(access_log=False, api_keys=frozenset({KEY})))
    fault = os.environ.get("FAULT", "none")

    async def faulty(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await sandbox(scope, receive, send)
            return
        if fault == "ignores_auth":
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"x-api-key"]
            scope = {**scope, "headers": headers + [(b"x-api-key", KEY.encode())]}
        if fault == "accepts_missing_start" and b"start_date" not in scope.get("query_string", b""):
            await _json(send, 200, [])
            return
        if fault not in ("escalated_over_total", "drops_field"):
            await sandbox(scope, receive, send)
            return
        captured: dict[str, Any] = {"body": b""}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
            else:
                captured["body"] += message.get("body", b"")

        await sandbox(scope, receive, capture)
        body = json.loads(captured["body"] or b"null")
        if captured["status"] == 200 and isinstance(body, list):
            for row in body:
                if fault == "escalated_over_total":
                    row["escalated_sessions"] = row["total_sessions"] + 1
                else:
                    row.pop("escalation_rate_pct", None)
        await _json(send, captured["status"], body)

    return faulty


async def _json(send: Any, status: int, content: Any) -> None:
    data = json.dumps(content).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
