"""Handoffs to a human: the escalated sessions of the session stream, listed like conversations.

Every escalated session is one handoff, with the handoff's status read from the
session's: ``waiting_for_human`` is ``requested``, ``transferred`` is
``accepted``, ``closed`` is ``resolved`` (no session maps to ``assigned`` or
``cancelled``). So ``GET /v1/hitl/handoffs?status=requested`` lists exactly the
sessions ``sessions/status-breakdown`` counts as waiting for a human, over the
listing's window: the 30 days before the sandbox clock (the operation takes no
dates). A handoff's id is its conversation's id with a fixed mask, so a get by
id finds it, and its ``conversation_id`` opens the conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any, Callable

import numpy as np

from mockserver.resources.conversations import (
    Walk,
    conversation_id,
    day_events,
    listing_window,
    next_cursor,
    parse_conversation_id,
    read_cursor,
    walk_sessions,
)
from mockserver.resources.entities import organization_id
from mockserver.resources.filler import SESSION_SLOTS, filler
from mockserver.responders.base import Generated, MockRequest
from mockserver.spec.contract import Contract
from mockserver.spec.model import Operation
from mockserver.world.calendar import utc_text
from mockserver.world.world import World, WorldBook

__all__ = ["handoff_responders", "HANDOFF_STATUS"]

ResponderFn = Callable[[MockRequest], Generated]

HANDOFF_STATUS = {"waiting_for_human": "requested", "transferred": "accepted", "closed": "resolved"}
_MASK = bytes.fromhex("5a17c3e99d0b4f6281aa3c5e77d01b94")


def handoff_id(session_id: str) -> str:
    return str(uuid.UUID(bytes=bytes(a ^ b for a, b in zip(uuid.UUID(session_id).bytes, _MASK))))


def _session_of(text: str) -> str | None:
    try:
        return handoff_id(text)  # the mask is its own inverse
    except ValueError:
        return None


def _escalated(world: World, status: str | None) -> np.ndarray:
    table = world.sessions
    wanted = np.isin(table.dims["status"], [s for s, h in HANDOFF_STATUS.items() if status in (None, h)])
    return np.flatnonzero((table.kind == "escalated") & wanted)


def _body(operation: Operation, request: MockRequest, world: World, when: int, leaf: int, minute: int,
          index: int) -> dict[str, Any]:
    session_id = conversation_id(world, minute, leaf, index)
    success = operation.success
    assert success is not None and success.schema is not None
    own_id = handoff_id(session_id)
    slot = int.from_bytes(hashlib.blake2b(own_id.encode(), digest_size=4).digest(), "big") % SESSION_SLOTS
    body = filler(operation, request.resolver, request.seed, str(slot))
    status = HANDOFF_STATUS[str(world.sessions.dims["status"][leaf])]
    now = request.now if isinstance(request.now, dt.datetime) else dt.datetime.now(dt.timezone.utc)
    created = min(dt.datetime.fromtimestamp(when + 30 + index % 90, dt.timezone.utc), now)
    resolved = min(created + dt.timedelta(minutes=5 + minute % 40), now) if status == "resolved" else None
    body.update(id=own_id, organization_id=organization_id(request.seed), conversation_id=session_id, status=status,
                assignee=None if status == "requested" else body.get("assignee"),
                created_at=utc_text(created),
                resolved_at=utc_text(resolved) if resolved else None)
    order = request.resolver.deref(success.schema).get("properties", {})
    return {k: body[k] for k in order if k in body}


def handoff_responders(contracts: list[Contract], worlds: WorldBook) -> dict[tuple[str, str], ResponderFn]:
    by_id = {(c.name, op.operation_id): op for c in contracts for op in c.operations}
    listed = by_id.get(("feather", "list_handoffs_v1_hitl_handoffs_get"))
    got = by_id.get(("feather", "get_handoff_v1_hitl_handoffs__handoff_id__get"))
    if listed is None or got is None:
        return {}

    def list_handoffs(request: MockRequest) -> Generated:
        world = worlds.get(request.seed, request.scenario)
        status = request.params.get("status")
        after, before = listing_window({}, request.now if isinstance(request.now, dt.datetime)
                                       else dt.datetime.now(dt.timezone.utc))
        scope = f"handoffs&{status}&{after}&{before}"
        position = read_cursor(request, scope)
        if isinstance(position, Generated):
            return position
        found, following = walk_sessions(world, Walk(_escalated(world, status), after, before), position,
                                         int(request.params.get("limit") or 50))
        items = [_body(got, request, world, int(ev.times[i]), int(ev.leaves[i]), int(ev.minutes[i]), int(ev.index[i]))
                 for ev, i in found]
        return Generated(200, {"items": items, "next_cursor": next_cursor(request, scope, following)}, uses_clock=True)

    def get_handoff(request: MockRequest) -> Generated:
        world = worlds.get(request.seed, request.scenario)
        wanted = str(request.path_params.get("handoff_id", ""))
        session = _session_of(wanted)
        found = parse_conversation_id(world, session) if session else None
        if found is not None and world.sessions.kind[found[1]] == "escalated":
            minute, leaf, index = found
            events = day_events(world, np.array([leaf], dtype=np.int64), minute // 1440)
            hit = np.flatnonzero((events.minutes == minute) & (events.index == index))
            now = request.now if isinstance(request.now, dt.datetime) else dt.datetime.now(dt.timezone.utc)
            if len(hit) and events.times[hit[0]] < now.timestamp():
                body = _body(got, request, world, int(events.times[hit[0]]), leaf, minute, index)
                return Generated(200, body, uses_clock=True)
        return Generated(404, {"error": "not_found", "message": f"Handoff {wanted} not found"}, uses_clock=True)

    return {("feather", listed.operation_id): list_handoffs, ("feather", got.operation_id): get_handoff}
