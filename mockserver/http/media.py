"""A generated body in the media type its response declares.

Most responses are JSON. Others are rendered as their media type says, so a
client that streams JSON lines or reads CSV gets what the contract promised:

* ``application/jsonl``, ``application/x-ndjson``, ``application/x-jsonlines``:
  one JSON document per line (a list gives a line per item);
* ``text/event-stream``: one ``data:`` event per item;
* ``text/csv``: a header row and a row per object (a list of objects);
* other ``text/*``: a string as it is, anything else as JSON text;
* ``application/octet-stream`` and other binary types: a string's UTF-8 bytes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from mockserver.http.reply import dump_json

__all__ = ["render_body"]

_JSON_LINES = ("application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/jsonlines")


def render_body(content: Any, media_type: str | None) -> tuple[bytes, str]:
    """The bytes and the content type to send."""
    media = (media_type or "application/json").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json") or media == "*/*":
        return dump_json(content), "application/json"
    items = content if isinstance(content, list) else [content]
    if media in _JSON_LINES:
        return b"".join(dump_json(item) + b"\n" for item in items), media
    if media == "text/event-stream":
        return b"".join(b"data: " + dump_json(item) + b"\n\n" for item in items), "text/event-stream"
    if media == "text/csv":
        return _csv(items), "text/csv; charset=utf-8"
    if media.startswith("text/"):
        text = content if isinstance(content, str) else dump_json(content).decode()
        return text.encode("utf-8"), f"{media}; charset=utf-8"
    if isinstance(content, str):
        return content.encode("utf-8"), media
    return dump_json(content), media


def _csv(items: list[Any]) -> bytes:
    rows = [item for item in items if isinstance(item, dict)]
    out = io.StringIO()
    if rows:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v if isinstance(v, (str, int, float)) else dump_json(v).decode() for k, v in row.items()})
    else:
        for item in items:
            out.write(f"{item}\n")
    return out.getvalue().encode("utf-8")
