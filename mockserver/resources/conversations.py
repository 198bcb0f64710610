"""Conversations (sessions) listed from the same session stream the sessions analytics count.

Every session the analytics count is an event of the session stream: a leaf
(channel, priority, status, outcome), a minute and its index in that minute's
count. Listing a window enumerates exactly those events, so the number of
conversations listed for a window and filter equals what ``volume-timeseries``
counts for them, and each one lies in the bucket that counted it.

* **Order and pages**: newest first (``started_at`` descending, ties by id);
  walked day by day, so a page costs one day's minutes, never the window's. The
  cursor (checked, bound to the seed, scenario and filters) holds the day and the
  position in it.
* **Window**: ``started_after``/``started_before`` (inclusive); without
  ``started_before`` up to the second before the sandbox clock, and never later
  (nothing is listed from the future); without ``started_after`` the 30 days
  before the clock.
* **Filters**: ``channel``, ``status`` and ``priority`` select leaves;
  ``assigned_agent_id`` and ``end_user_id`` match the values each session is
  given (an agent from the catalog, an end user from a pool of 2,000, drawn from
  the session's id); ``q`` and ``eval_filter`` are accepted and narrow nothing
  (the sandbox has no transcripts or evals), as docs/world.md says.
* **Ids** encode (minute, leaf, index) with a keyed tag, so ``GET
  /v1/v2/conversations/{id}`` finds the session again, and an id the world does
  not hold is a 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import statistics
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from mockserver.resources.entities import end_user_id, organization_id
from mockserver.resources.filler import SESSION_SLOTS, filler, ordered_filler, overlay_keys
from mockserver.resources.pages import PageError, decode_position, encode_position
from mockserver.responders.base import Generated, MockRequest
from mockserver.spec.contract import Contract
from mockserver.spec.model import Operation
from mockserver.world.calendar import Granularity, Window, iso_instant, utc_text
from mockserver.world.rng import hash_keys
from mockserver.world.traffic import series
from mockserver.world.world import World, WorldBook

__all__ = ["conversation_responders", "DEFAULT_SPAN_DAYS", "SCAN_DAYS", "SessionBodies", "SessionEvents", "Walk",
           "day_events", "walk_sessions", "listing_window", "read_cursor", "next_cursor", "conversation_id",
           "parse_conversation_id"]

ResponderFn = Callable[[MockRequest], Generated]

DEFAULT_SPAN_DAYS = 30
# The days one page of a listing may look through (walk_sessions): a default window (30 days, 31 calendar days
# when the clock is not at midnight) fits one.
SCAN_DAYS = 31
_SECOND_STREAM = 41
LEAF_FILTERS = ("channel", "status", "priority")
_ENDED = {"closed", "expired", "error", "transferred"}


@dataclass(frozen=True, slots=True)
class SessionEvents:
    """One day's sessions for some leaves, newest first."""

    times: np.ndarray  # started_at, epoch seconds
    leaves: np.ndarray  # leaf index in the session table
    minutes: np.ndarray  # minute number since the epoch
    index: np.ndarray  # position within its (leaf, minute) count


def day_events(world: World, leaves: np.ndarray, day: int) -> SessionEvents:
    """Kept in the world's memo: paging through a list, and every list over the same days, meet them again."""
    return world.memo(("session-day-events", leaves.tobytes(), day), lambda: _day_events(world, leaves, day))  # type: ignore[no-any-return]


def _day_events(world: World, leaves: np.ndarray, day: int) -> SessionEvents:
    table = world.sessions
    if len(leaves) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return SessionEvents(empty, empty, empty, empty)
    counts = series(table, leaves, Window(day, day), Granularity.MINUTE, world.params).counts  # (L, 1440)
    rows, cols = np.nonzero(counts)
    n = counts[rows, cols]
    leaf = np.repeat(leaves[rows], n)
    minute = np.repeat(day * 1440 + cols, n)
    starts = np.repeat(np.cumsum(n) - n, n)
    index = np.arange(len(leaf)) - starts
    seconds = (hash_keys(world.seed, _SECOND_STREAM, table.keys[leaf], minute, index) % np.uint64(60)).astype(np.int64)
    times = minute * 60 + seconds
    order = np.lexsort((index, leaf, -times))
    return SessionEvents(times[order], leaf[order], minute[order], index[order])


def _tag(world: World, minute: int, leaf: int, index: int) -> bytes:
    key = f"{world.seed}\x00{world.scenario}".encode()
    return hashlib.blake2b(b"%d:%d:%d" % (minute, leaf, index), digest_size=8, key=key[:64]).digest()


def conversation_id(world: World, minute: int, leaf: int, index: int) -> str:
    raw = minute.to_bytes(4, "big") + leaf.to_bytes(2, "big") + index.to_bytes(2, "big") + _tag(world, minute, leaf, index)
    h = raw.hex()  # str(uuid.UUID(bytes=raw)), written directly (a page writes 50)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_conversation_id(world: World, text: str) -> tuple[int, int, int] | None:
    try:
        raw = uuid.UUID(text).bytes
    except ValueError:
        return None
    minute, leaf, index = int.from_bytes(raw[:4], "big"), int.from_bytes(raw[4:6], "big"), int.from_bytes(raw[6:8], "big")
    if leaf >= len(world.sessions) or raw[8:] != _tag(world, minute, leaf, index):
        return None
    return minute, leaf, index


class SessionBodies:
    def __init__(self, worlds: WorldBook, get_operation: Operation) -> None:
        self.worlds = worlds
        self.operation = get_operation
        self._overlay: tuple[str, ...] | None = None  # the world's fields the reply schema has, read once

    def assigned(self, world: World, session_id: str) -> tuple[str | None, str | None]:
        """The session's agent (from the catalog) and end user, drawn from its id."""
        digest = hashlib.blake2b(session_id.encode(), digest_size=8).digest()
        agents = world.catalog.agents
        agent = agents[digest[0] % len(agents)].id if agents else None
        # One of the world's end users (GET /v1/identity/end-users lists them all).
        users = world.catalog.resources.end_users
        user = end_user_id(world.seed, int.from_bytes(digest[1:], "big") % users) if users else None
        return agent, user

    def names_nobody(self, world: World, agent: Any, user: Any) -> bool:
        """Whether an ``assigned_agent_id`` or ``end_user_id`` filter names no one the world has (then no session
        matches, and listing them need not draw a day)."""
        if agent is not None and str(agent) not in {a.id for a in world.catalog.agents}:
            return True
        return user is not None and str(user) not in _end_user_ids(world.seed, world.catalog.resources.end_users)

    def slots_matching(self, request: MockRequest, text: str) -> frozenset[int]:
        """The body slots whose subject or summary holds ``text`` (case-insensitive), which is what ``q`` matches:
        a conversation's subject and summary are its slot's (``body``)."""
        needle = text.casefold()
        found = set()
        for slot in range(SESSION_SLOTS):
            body = filler(self.operation, request.resolver, request.seed, str(slot))
            if any(needle in str(body.get(field) or "").casefold() for field in ("subject", "summary")):
                found.add(slot)
        return frozenset(found)

    def body(self, request: MockRequest, world: World, when: int, leaf: int, minute: int, index: int) -> dict[str, Any]:
        session_id = conversation_id(world, minute, leaf, index)
        if self._overlay is None:
            self._overlay = overlay_keys(self.operation, request.resolver, _WORLD_FIELDS)
        body = ordered_filler(self.operation, request.resolver, request.seed, str(_slot(session_id)), self._overlay)
        channel, status, priority, _ = _labels(world)[leaf]
        agent, user = self.assigned(world, session_id)
        now = request.now if isinstance(request.now, dt.datetime) else dt.datetime.now(dt.timezone.utc)
        turns, duration = session_shape(world, leaf, session_id)
        # Whole seconds throughout (formatted without datetime objects), except a session still going at "now",
        # which ends at the clock's own instant.
        if when + duration <= now.timestamp():
            last_text, duration_ms = iso_instant(when + duration), duration * 1000
        else:
            started_at = dt.datetime.fromtimestamp(when, dt.timezone.utc)
            last_text, duration_ms = utc_text(now), int((now - started_at).total_seconds() * 1000)
        started_text = iso_instant(when)
        ended_text = last_text if status in _ENDED else None
        world_fields = dict(
            id=session_id, organization_id=organization_id(request.seed), end_user_id=user,
            channel=channel, status=status, priority=priority,
            session_type="live", assigned_agent_id=agent, started_at=started_text, created_at=started_text,
            updated_at=last_text, first_message_at=started_text, last_message_at=last_text,
            ended_at=ended_text, closed_at=ended_text if status == "closed" else None,
            duration_ms=duration_ms, archived_at=None, ttl_expires_at=None,
            retention_expires_at=iso_instant(when + 365 * 86400), message_count=2 * turns,
            eval_summary=dict(_NO_EVALS),
        )
        # Every overlay key already has its place in the body, so updating keeps the schema's order.
        if len(self._overlay) == len(world_fields):
            body.update(world_fields)
        else:
            body.update((k, world_fields[k]) for k in self._overlay)
        return body


# The fields of a session body the world fixes (the rest is filler).
_WORLD_FIELDS = (
    "id", "organization_id", "end_user_id", "channel", "status", "priority", "session_type", "assigned_agent_id",
    "started_at", "created_at", "updated_at", "first_message_at", "last_message_at", "ended_at", "closed_at",
    "duration_ms", "archived_at", "ttl_expires_at", "retention_expires_at", "message_count", "eval_summary",
)


def session_shape(world: World, leaf: int, session_id: str) -> tuple[int, int]:
    """A session's turns and its length in seconds, drawn from its id with the sessions family's distributions
    (docs/world.md): turns geometric with the channel's mean (longer when escalated), messages two per turn; a
    session the agent resolved runs its resolution time (log-normal, the channel's median times the priority's
    factor), any other one a few minutes per turn."""
    digest = hashlib.blake2b(session_id.encode(), digest_size=16, person=b"session-shape").digest()
    u_turns = (int.from_bytes(digest[:7], "big") + 0.5) / 2**56
    u_time = (int.from_bytes(digest[7:14], "big") + 0.5) / 2**56
    shape = world.catalog.session_shape
    channel_name, status, priority, kind = _labels(world)[leaf]
    channel = _channels(world).get(channel_name)
    escalated = kind == "escalated"
    mean_turns = (channel.turns if channel else 3.0) * (shape.escalated_turns_factor if escalated else 1.0)
    p = 1.0 / max(mean_turns, 1.0)
    turns = 1 if p >= 1.0 else 1 + int(math.log(1.0 - u_turns) / math.log(1.0 - p))
    if not escalated and status == "closed" and channel is not None:
        median = channel.resolution_minutes * 60.0 * shape.priority_factor(priority)
        seconds = median * math.exp(shape.resolution_sigma * _normal_quantile(u_time))
    else:
        seconds = 30.0 * turns * (0.5 + u_time)
    return turns, max(1, int(seconds))


_STANDARD_NORMAL = statistics.NormalDist()


def _normal_quantile(u: float) -> float:
    return _STANDARD_NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))


def _labels(world: World) -> list[tuple[str, str, str, str]]:
    """Each session leaf's (channel, status, priority, kind) as Python strings, made once per world."""
    dims, kinds = world.sessions.dims, world.sessions.kind
    return world.memo(("session-leaf-labels",), lambda: [  # type: ignore[no-any-return]
        (str(c), str(s), str(p), str(k)) for c, s, p, k in zip(dims["channel"], dims["status"], dims["priority"], kinds)])


def _channels(world: World) -> dict[str, Any]:
    return world.memo(("session-channels",), lambda: {c.name: c for c in world.catalog.channels})  # type: ignore[no-any-return]


def _slot(own_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(own_id.encode(), digest_size=4).digest(), "big") % SESSION_SLOTS


def _epoch(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int(value.timestamp()) if isinstance(value, dt.datetime) else None


Keep = Callable[[SessionEvents, int], bool]


@dataclass(frozen=True, slots=True)
class Walk:
    """Where a listing of sessions starts and what it keeps: the window (inclusive epoch seconds), the leaves,
    and an optional test on each event (filters that are not leaf dimensions)."""

    leaves: np.ndarray
    after: int
    before: int
    keep: Keep | None = None

    def chosen(self, events: SessionEvents) -> np.ndarray:
        inside = np.flatnonzero((events.times >= self.after) & (events.times <= self.before))
        if self.keep is None:
            return inside
        keep = self.keep
        return np.array([i for i in inside if keep(events, int(i))], dtype=np.int64)


def walk_sessions(world: World, walk: Walk, position: tuple[int, int] | None,
                  limit: int) -> tuple[list[tuple[SessionEvents, int]], tuple[int, int] | None]:
    """Up to ``limit`` events, newest first, from ``position`` (day, offset in it; None = the start), and the
    position of the next one, or None when none is left.

    A page looks through at most :data:`SCAN_DAYS` days (each a day of sessions drawn, and with a filter each
    session tested): a window back to 1970 with a filter nothing matches would otherwise draw twenty thousand
    days for one page, minutes of work. Where the budget ends before the window does, the page holds what it
    found (fewer than ``limit``, even none) and its position goes on from the first day not looked at, so
    walking the pages still lists every session of the window once; the page then says ``has_more`` even if no
    later day holds one. Windows of up to a month (the default is 30 days) fit one budget: their pages are
    full until the last, which says exactly whether another exists."""
    day, skip = position if position is not None else (walk.before // 86400, 0)
    first_day = max(walk.after, 0) // 86400
    budget_end = max(first_day, day - SCAN_DAYS + 1)  # the last day this page may look at
    found: list[tuple[SessionEvents, int]] = []
    while day >= budget_end and walk.after <= walk.before:
        events = day_events(world, walk.leaves, day)
        chosen = walk.chosen(events)
        taken = chosen[skip:skip + limit - len(found)]
        found += [(events, int(i)) for i in taken]
        if len(found) == limit:
            if skip + len(taken) < len(chosen):
                return found, (day, skip + len(taken))
            for later in range(day - 1, budget_end - 1, -1):  # the next non-empty day, if any
                if len(walk.chosen(day_events(world, walk.leaves, later))):
                    return found, (later, 0)
            break
        day, skip = day - 1, 0
    if budget_end > first_day and walk.after <= walk.before:
        return found, (budget_end - 1, 0)  # the budget ended inside the window: the next page goes on from here
    return found, None


def listing_window(params: dict[str, Any], now: dt.datetime, after_name: str = "started_after",
                   before_name: str = "started_before") -> tuple[int, int]:
    """Inclusive bounds; without an upper bound the second before the clock, and never later; without a lower
    bound the 30 days before that (so a clock at midnight lists exactly the 30 days before it)."""
    latest = int(now.timestamp()) - 1
    given = _epoch(params.get(before_name))
    before = latest if given is None else min(given, latest)
    after = _epoch(params.get(after_name))
    return (before + 1 - DEFAULT_SPAN_DAYS * 86400 if after is None else after), before


def invalid_cursor() -> Generated:
    return Generated(400, {"error": "invalid_cursor",
                           "message": "The cursor is not valid for this list; start again without one."})


def read_cursor(request: MockRequest, scope: str) -> tuple[int, int] | None | Generated:
    """The position a cursor holds, None without one, or the 400 for one this list did not hand out."""
    cursor = request.params.get("cursor")
    if not cursor:
        return None
    try:
        day, skip = decode_position(request.seed, f"{request.scenario}:{scope}", cursor, 2)
    except PageError:
        return invalid_cursor()
    return day, skip


def next_cursor(request: MockRequest, scope: str, position: tuple[int, int] | None) -> str | None:
    return None if position is None else encode_position(request.seed, f"{request.scenario}:{scope}", position)


def _list_responder(sessions: SessionBodies, operation: Operation) -> ResponderFn:
    success = operation.success
    assert success is not None

    def respond(request: MockRequest) -> Generated:
        world = sessions.worlds.get(request.seed, request.scenario)
        params = request.params
        after, before = listing_window(params, _now(request))
        agent, user, text = params.get("assigned_agent_id"), params.get("end_user_id"), params.get("q")
        slots = None if text is None else sessions.slots_matching(request, str(text))
        keep = None if agent is None and user is None and slots is None else \
            (lambda events, i: _matches(sessions, world, events, i, agent, user, slots))
        walk = Walk(world.sessions.select({k: params.get(k) for k in LEAF_FILTERS}), after, before, keep)
        scope = "conversations" + "".join(f"&{k}={params.get(k)}" for k in (*LEAF_FILTERS, "assigned_agent_id",
                                                                              "end_user_id", "q", "eval_filter")) \
            + f"&{after}&{before}"
        position = read_cursor(request, scope)
        if isinstance(position, Generated):
            return position
        # The sandbox world runs no evals: nothing has any. A filter naming no agent or end user of the world, or
        # text no conversation holds, matches nothing either: the answer is known without looking at a day.
        if params.get("eval_filter") in _NEEDS_EVALS or slots == frozenset() \
                or sessions.names_nobody(world, agent, user):
            return Generated(success.status, {"items": [], "next_cursor": None, "has_more": False}, uses_clock=True)
        found, following = walk_sessions(world, walk, position, int(params.get("limit") or 50))
        items = [sessions.body(request, world, int(ev.times[i]), int(ev.leaves[i]), int(ev.minutes[i]),
                               int(ev.index[i])) for ev, i in found]
        cursor = next_cursor(request, scope, following)
        page = {"items": items, "next_cursor": cursor, "has_more": cursor is not None}
        return Generated(success.status, page, uses_clock=True)

    return respond


def _now(request: MockRequest) -> dt.datetime:
    return request.now if isinstance(request.now, dt.datetime) else dt.datetime.now(dt.timezone.utc)


def _matches(sessions: SessionBodies, world: World, events: SessionEvents, i: int, agent: Any, user: Any,
             slots: frozenset[int] | None = None) -> bool:
    session_id = conversation_id(world, int(events.minutes[i]), int(events.leaves[i]), int(events.index[i]))
    if slots is not None and _slot(session_id) not in slots:
        return False
    if agent is None and user is None:
        return True
    assigned, end_user = sessions.assigned(world, session_id)
    return (agent is None or str(agent) == assigned) and (user is None or str(user) == end_user)


# eval_filter values only a conversation with evals can satisfy (the sandbox world runs none: ``no_evals`` is all).
_NEEDS_EVALS = frozenset({"has_evals", "all_passed", "any_failed"})


@lru_cache(maxsize=16)
def _end_user_ids(seed: int, count: int) -> frozenset[str]:
    """The world's end-user ids (``assigned`` draws one of them for every session)."""
    return frozenset(end_user_id(seed, index) for index in range(count))
_NO_EVALS = {"total": 0, "succeeded": 0, "failed": 0, "pending": 0, "critical_total": 0, "critical_succeeded": 0,
             "critical_failed": 0, "critical_pending": 0, "eval_status": "none"}


def _get_responder(sessions: SessionBodies) -> ResponderFn:
    def respond(request: MockRequest) -> Generated:
        world = sessions.worlds.get(request.seed, request.scenario)
        wanted = str(request.path_params.get("conversation_id", ""))
        found = parse_conversation_id(world, wanted)
        now = request.now if isinstance(request.now, dt.datetime) else dt.datetime.now(dt.timezone.utc)
        if found is not None:
            minute, leaf, index = found
            events = day_events(world, np.array([leaf], dtype=np.int64), minute // 1440)
            hit = np.flatnonzero((events.minutes == minute) & (events.index == index))
            if len(hit) and events.times[hit[0]] < now.timestamp():
                body = sessions.body(request, world, int(events.times[hit[0]]), leaf, minute, index)
                return Generated(200, body, uses_clock=True)
        return Generated(404, {"error": "not_found", "message": f"Conversation {wanted} not found"}, uses_clock=True)

    return respond


def conversation_responders(contracts: list[Contract], worlds: WorldBook) -> dict[tuple[str, str], ResponderFn]:
    by_id = {(c.name, op.operation_id): op for c in contracts for op in c.operations}
    listed, got = by_id.get(("feather", "listV2Conversations")), by_id.get(("feather", "getV2Conversation"))
    if listed is None or got is None:
        return {}
    sessions = SessionBodies(worlds, got)
    return {("feather", "listV2Conversations"): _list_responder(sessions, listed),
            ("feather", "getV2Conversation"): _get_responder(sessions)}
