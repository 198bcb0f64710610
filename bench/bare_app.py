"""The baseline: a bare Starlette route answering a fixed JSON body, served like the sandbox."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = b'[{"time_bucket":"2026-03-02T00:00:00Z","total_sessions":2824,"escalated_sessions":280,"escalation_rate_pct":9.92}]'


async def fixed(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", fixed, methods=["GET", "POST"])])
