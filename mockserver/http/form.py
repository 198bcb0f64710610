"""Form bodies (``multipart/form-data``, urlencoded): which declared fields arrived.

FastAPI reads a form body whatever the content type says and reports every
required field it did not find as ``missing`` at ``["body", name]``. Parts are
read with the standard library's MIME parser; their contents are not generated
from, so only presence is checked.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from mockserver.http.params import ErrorItem

__all__ = ["FormRule"]


class FormRule:
    def __init__(self, required_fields: tuple[str, ...]) -> None:
        self.required_fields = required_fields

    def validate(self, raw: bytes, content_type: str | None) -> list[ErrorItem]:
        present = _field_names(raw, content_type or "")
        return [{"type": "missing", "loc": ["body", name], "msg": "Field required", "input": None}
                for name in self.required_fields if name not in present]


def _field_names(raw: bytes, content_type: str) -> set[str]:
    media = content_type.split(";", 1)[0].strip().lower()
    if not raw:
        return set()
    if media == "application/x-www-form-urlencoded":
        return {key for key, _ in parse_qsl(raw.decode("latin-1"), keep_blank_values=True)}
    if media != "multipart/form-data":
        return set()
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    if not message.is_multipart():
        return set()
    names = set()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            names.add(name)
    return names
