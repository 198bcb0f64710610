"""Form bodies (``multipart/form-data``, urlencoded): which declared fields arrived.

FastAPI reads a form body whatever the content type says and reports every
required field it did not find as ``missing`` at ``["body", name]``. Multipart
bodies are read with python-multipart, the parser Starlette (and so FastAPI)
uses: a flat, streaming scan in linear time, whatever the parts contain. Its
limits and messages are Starlette's: at most 1,000 fields and 1,000 files, a
boundary, a named part, each part with at most 8 headers of 4,224 bytes; beyond
them FastAPI answers 400 with Starlette's message, and so does the sandbox.
Part contents are not generated from, so only presence is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from mockserver.http.body import PARSE_ERROR, BodyParseError
from mockserver.http.params import ErrorItem

__all__ = ["FormRule", "MAX_FORM_PARTS", "multipart_parts", "Part"]

MAX_FORM_PARTS = 1000  # Starlette's max_fields / max_files


class FormRule:
    def __init__(self, required_fields: tuple[str, ...]) -> None:
        self.required_fields = required_fields

    def validate(self, raw: bytes, content_type: str | None) -> list[ErrorItem]:
        present = _field_names(raw, content_type or "")
        return [{"type": "missing", "loc": ["body", name], "msg": "Field required", "input": None}
                for name in self.required_fields if name not in present]


def _field_names(raw: bytes, content_type: str) -> set[str]:
    if not raw:
        return set()
    media, options = parse_options_header(content_type)
    if media == b"application/x-www-form-urlencoded":
        return {key for key, _ in parse_qsl(raw.decode("latin-1"), keep_blank_values=True)}
    if media != b"multipart/form-data":
        return set()
    if not options.get(b"boundary"):
        raise BodyParseError("Missing boundary in multipart.")
    return {part.name for part in multipart_parts(raw, options[b"boundary"])}


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    data: bytes
    is_file: bool  # sent with a filename


def multipart_parts(raw: bytes, boundary: bytes) -> list[Part]:
    """Every part, in order, read with Starlette's limits and messages (BodyParseError beyond them)."""
    parts: list[Part] = []
    header: dict[str, bytes] = {"field": b"", "value": b"", "disposition": b""}
    counts = {"files": 0, "fields": 0}
    current: dict[str, Any] = {"name": "", "data": [], "file": False}

    def on_part_begin() -> None:
        header["disposition"] = b""
        current["data"] = []

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current["data"].append(data[start:end])

    def on_part_end() -> None:
        parts.append(Part(current["name"], b"".join(current["data"]), current["file"]))

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if header["field"].lower() == b"content-disposition":
            header["disposition"] = header["value"]
        header["field"] = header["value"] = b""

    def on_headers_finished() -> None:
        _, params = parse_options_header(header["disposition"])
        name = params.get(b"name")
        if name is None:
            raise BodyParseError('The Content-Disposition header field "name" must be provided.')
        kind = "files" if b"filename" in params else "fields"
        counts[kind] += 1
        if counts[kind] > MAX_FORM_PARTS:
            raise BodyParseError(f"Too many {kind}. Maximum number of {kind} is {MAX_FORM_PARTS}.")
        current["name"] = name.decode("utf-8", errors="replace")
        current["file"] = kind == "files"

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    }
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    except FormParserError as exc:  # e.g. a boundary over 256 bytes: FastAPI's catch-all 400
        raise BodyParseError(PARSE_ERROR) from exc
    try:
        parser.write(raw)
        parser.finalize()
    except MultipartParseError as exc:  # what Starlette reports as invalid data
        raise BodyParseError("Invalid multipart data.") from exc
    except FormParserError as exc:
        raise BodyParseError(PARSE_ERROR) from exc
    return parts
