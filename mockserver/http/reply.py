"""A finished response: status, bytes and headers, ready to send or to cache."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson

from mockserver.types import Send

__all__ = ["Reply", "json_reply"]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    media_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    reason: str | None = None  # why a 4xx happened, for the access log only

    def with_headers(self, *extra: tuple[str, str]) -> Reply:
        return replace(self, headers=self.headers + extra)

    async def send(self, send: Send, *, head_only: bool = False) -> None:
        raw_headers = [(b"content-length", str(len(self.body)).encode())]
        if self.media_type is not None:
            raw_headers.append((b"content-type", self.media_type.encode()))
        raw_headers.extend((k.lower().encode(), v.encode("latin-1")) for k, v in self.headers)
        await send({"type": "http.response.start", "status": self.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if head_only else self.body})


def json_reply(status: int, content: Any, *, headers: tuple[tuple[str, str], ...] = (), reason: str | None = None) -> Reply:
    return Reply(status, orjson.dumps(content), "application/json", headers, reason)
