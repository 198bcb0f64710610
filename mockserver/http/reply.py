"""A finished response: status, bytes and headers, ready to send or to cache."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockserver.types import Send

__all__ = ["Reply", "json_reply", "dump_json"]


def dump_json(value: Any, *, sort_keys: bool = False) -> bytes:
    """orjson's compact bytes; the stdlib for what orjson cannot write (integers past 64 bits).

    A request may carry such integers (FastAPI accepts them), and its 422 item or an
    echoing response must still render. The fallback is ASCII-escaped, compact and
    deterministic.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, allow_nan=False).encode("ascii")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    media_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    reason: str | None = None  # why a 4xx happened, for the access log only
    _raw_headers: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Encoded once: a cached reply is sent many times.
        raw = [(b"content-length", str(len(self.body)).encode())]
        if self.media_type is not None:
            raw.append((b"content-type", self.media_type.encode()))
        raw.extend((k.lower().encode(), v.encode("latin-1")) for k, v in self.headers)
        object.__setattr__(self, "_raw_headers", tuple(raw))

    async def send(self, send: Send, *, head_only: bool = False, extra: tuple[tuple[str, str], ...] = ()) -> None:
        headers = list(self._raw_headers)
        headers.extend((k.encode(), v.encode("latin-1")) for k, v in extra)
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else self.body})


def json_reply(status: int, content: Any, *, headers: tuple[tuple[str, str], ...] = (), reason: str | None = None) -> Reply:
    return Reply(status, dump_json(content), "application/json", headers, reason)
