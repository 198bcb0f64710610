"""The fields of a resource body the world does not fix, generated once and reused.

Filling a large response schema with the schema faker costs about a millisecond;
a page of 50 conversations would spend most of its time there. The world's own
fields (ids, names, channel, status, times, ...) are laid over a filler body
afterwards, so the filler only has to be valid and plausible: it is generated
once per (operation, seed, slot) and kept. Catalog entities get a slot each (a
few dozen); sessions and handoffs share :data:`SESSION_SLOTS` slots, chosen by
their id, so neighbours differ while the pool stays small. Deterministic: a slot
is seeded by (seed, operation, slot) only.
"""

from __future__ import annotations

import threading
from typing import Any

from mockserver.responders.generic import thread_faker
from mockserver.responders.schema_faker import SchemaFaker
from mockserver.responders.values import ValueSource
from mockserver.spec.model import Operation
from mockserver.spec.refs import Resolver
from mockserver.world.keys import request_seed

__all__ = ["filler", "ordered_filler", "SESSION_SLOTS"]

SESSION_SLOTS = 256
_MAX_KEPT = 16_384  # bodies of a few KB: tens of MB at most
_kept: dict[tuple[str, int, str], dict[str, Any]] = {}
_ordered: dict[tuple[str, int, str, tuple[str, ...]], dict[str, Any]] = {}
_lock = threading.Lock()


def filler(operation: Operation, resolver: Resolver, seed: int, slot: str) -> dict[str, Any]:
    """A schema-valid body of the operation's success response for this slot (a fresh top-level copy)."""
    key = (operation.key, seed, slot)
    body = _kept.get(key)
    if body is None:
        success = operation.success
        assert success is not None and success.schema is not None
        values = ValueSource(thread_faker(), request_seed(seed, f"filler\x00{operation.key}\x00{slot}".encode()))
        generated = SchemaFaker(resolver, values, {}).generate(success.schema)
        body = generated if isinstance(generated, dict) else {}
        with _lock:
            if len(_kept) >= _MAX_KEPT:
                _kept.clear()
            _kept[key] = body
    return dict(body)


def ordered_filler(operation: Operation, resolver: Resolver, seed: int, slot: str,
                   overlay: tuple[str, ...]) -> dict[str, Any]:
    """The filler body in the schema's property order, holding exactly the properties the filler has or
    ``overlay`` names (those as None until set), as a fresh top-level copy.

    ``body.update(world_fields)`` on it keeps the schema's order (updating a key keeps its place), so a page of 50
    sessions is a copy and an update per item instead of a merge and a re-ordering. An overlay key that is not a
    property of the schema is never sent, as before: callers pass only properties (``overlay_keys``).
    """
    key = (operation.key, seed, slot, overlay)
    body = _ordered.get(key)
    if body is None:
        success = operation.success
        assert success is not None and success.schema is not None
        filled = filler(operation, resolver, seed, slot)
        properties = resolver.deref(success.schema).get("properties", {})
        wanted = frozenset(overlay)
        body = {k: filled.get(k) for k in properties if k in filled or k in wanted}
        with _lock:
            if len(_ordered) >= _MAX_KEPT:
                _ordered.clear()
            _ordered[key] = body
    return dict(body)


def overlay_keys(operation: Operation, resolver: Resolver, fields: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``fields`` the operation's success schema has as properties (the ones a body may carry)."""
    success = operation.success
    assert success is not None and success.schema is not None
    properties = resolver.deref(success.schema).get("properties", {})
    return tuple(f for f in fields if f in properties)
