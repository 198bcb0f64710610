"""Cursor pagination: opaque, checked, bound to its collection and filters.

A cursor is ``base64url(offset . tag)`` where the tag is a keyed digest of
(seed, collection, filters, offset): the client cannot forge or edit it, and a
cursor from another list or another filter is refused like a tampered one
(Feather's 400 ``ErrorResponse``, ``invalid_cursor``). Pages are slices of the
collection's stable order, so walking every page returns each entity exactly
once; ``has_more`` is true exactly when another page exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Sequence, TypeVar

__all__ = ["Page", "PageError", "page", "encode_position", "decode_position"]

T = TypeVar("T")

_TAG_BYTES = 8


class PageError(Exception):
    """A cursor that is not one this list handed out."""


@dataclass(frozen=True, slots=True)
class Page:
    start: int
    stop: int
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def _tag(seed: int, scope: str, offset: int) -> bytes:
    return hashlib.blake2b(f"{scope}\x00{offset}".encode(), digest_size=_TAG_BYTES,
                           key=seed.to_bytes(8, "big", signed=True)).digest()


def _encode(seed: int, scope: str, offset: int) -> str:
    raw = offset.to_bytes(4, "big") + _tag(seed, scope, offset)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(seed: int, scope: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise PageError from None
    if len(raw) != 4 + _TAG_BYTES:
        raise PageError
    offset = int.from_bytes(raw[:4], "big")
    if raw[4:] != _tag(seed, scope, offset):
        raise PageError
    return offset


def page(items: Sequence[T], limit: int, cursor: str | None, *, seed: int, scope: str) -> Page:
    """The slice for ``cursor`` (None: the first page) and the cursor of the next one, if any."""
    start = 0 if not cursor else _decode(seed, scope, cursor)
    if start > len(items):
        raise PageError
    stop = min(start + limit, len(items))
    return Page(start, stop, _encode(seed, scope, stop) if stop < len(items) else None)


def encode_position(seed: int, scope: str, position: tuple[int, ...]) -> str:
    """A cursor holding several non-negative numbers (a day and an offset in it, say)."""
    body = b"".join(value.to_bytes(4, "big", signed=True) for value in position)
    tag = hashlib.blake2b(scope.encode() + b"\x00" + body, digest_size=_TAG_BYTES,
                          key=seed.to_bytes(8, "big", signed=True)).digest()
    return base64.urlsafe_b64encode(body + tag).decode().rstrip("=")


def decode_position(seed: int, scope: str, cursor: str, size: int) -> tuple[int, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise PageError from None
    body, tag = raw[:4 * size], raw[4 * size:]
    expected = hashlib.blake2b(scope.encode() + b"\x00" + body, digest_size=_TAG_BYTES,
                               key=seed.to_bytes(8, "big", signed=True)).digest()
    if len(body) != 4 * size or tag != expected:
        raise PageError
    return tuple(int.from_bytes(body[i:i + 4], "big", signed=True) for i in range(0, 4 * size, 4))
