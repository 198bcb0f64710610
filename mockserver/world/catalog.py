"""The catalog fixture (``mockserver/fixtures/catalog.yaml``) as typed, validated objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Catalog", "CatalogError", "Integration", "Channel", "SessionShape", "BadHours", "Agent", "Tool", "ToolError",
           "load_catalog"]


class CatalogError(Exception):
    """The catalog file is unusable; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class BadHours:
    probability_per_day: float
    vendor_error_multiplier: float
    latency_multiplier: float


@dataclass(frozen=True, slots=True)
class Integration:
    key: str
    invocations_per_day: float
    modes: dict[str, float]
    slugs: dict[str, float]
    vendor_error: float
    exceptions: dict[str, float]
    latency_median_ms: float
    latency_sigma: float


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    sessions_per_day: float
    escalation_rate: float
    resolution_minutes: float = 10.0  # median, for a normal-priority session
    first_response_seconds: float = 2.0  # median
    turns: float = 3.0  # mean turns of a session the agent handles


@dataclass(frozen=True, slots=True)
class SessionShape:
    """How long sessions take and how long they run (``docs/world.md``, sessions)."""

    resolution_sigma: float = 0.85
    resolution_by_priority: tuple[tuple[str, float], ...] = ()
    first_response_sigma: float = 0.6
    escalated_turns_factor: float = 1.7
    message_buckets: tuple[tuple[str, int, int | None], ...] = ()  # label, first, last (None = open)

    def priority_factor(self, priority: str) -> float:
        for name, factor in self.resolution_by_priority:  # a handful of pairs: cheaper than a dict per call
            if name == priority:
                return factor
        return 1.0


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    revision_id: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Tool:
    key: str
    id: str
    name: str
    tool_type: str
    provider: str
    invocations_per_day: float
    agents: dict[str, float]  # agent name -> share of calls
    latency_median_ms: float
    latency_sigma: float
    timeout_ms: float
    errors: dict[str, float]  # error category -> probability
    calls_per_conversation: float


@dataclass(frozen=True, slots=True)
class ToolError:
    category: str
    status_code: int
    messages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    weekday: tuple[float, ...]  # 7 multipliers, Monday first
    hour_of_day: tuple[float, ...]  # 24 relative weights
    day_noise: float
    bad_hours: BadHours
    integrations: tuple[Integration, ...]
    channels: tuple[Channel, ...]
    priorities: dict[str, float]  # share of sessions per priority
    statuses: dict[str, dict[str, float]]  # outcome (handled, escalated) -> status -> share
    session_shape: SessionShape = SessionShape()
    agents: tuple[Agent, ...] = ()
    tools: tuple[Tool, ...] = ()
    tool_errors: tuple[ToolError, ...] = ()
    tool_retries: dict[str, tuple[float, ...]] = field(default_factory=dict)  # success/failed -> P(retries = i)
    mode_latency: dict[str, float] = field(default_factory=dict)  # integration mode -> latency multiplier
    resources: ResourceCatalog = field(default_factory=lambda: ResourceCatalog())


@dataclass(frozen=True, slots=True)
class NamedSet:
    """A named entity with a description and named children (a knowledge base's documents, a mock's scenarios)."""

    name: str
    description: str
    children: tuple[str, ...] = ()
    slug: str = ""


@dataclass(frozen=True, slots=True)
class ResourceCatalog:
    """The resource API's entities beyond agents, tools and connections (``resources:`` in the catalog)."""

    knowledge_bases: tuple[NamedSet, ...] = ()
    mocks: tuple[NamedSet, ...] = ()
    policies: tuple[NamedSet, ...] = ()  # children: one name per revision ("r1", "r2", ...)
    end_users: int = 0
    first_names: tuple[str, ...] = ("Ada",)
    last_names: tuple[str, ...] = ("Lovelace",)


def load_catalog(path: Path) -> Catalog:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    try:
        return _parse(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CatalogError(f"{path}: invalid catalog ({exc!r})") from exc


def _shares(raw: dict[str, Any], what: str) -> dict[str, float]:
    shares = {str(k): float(v) for k, v in raw.items()}
    if not shares or any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
        raise ValueError(f"{what} must be non-negative shares with a positive sum")
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


def _probability(value: Any, what: str) -> float:
    p = float(value)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1)")
    return p


def _parse(raw: dict[str, Any]) -> Catalog:
    traffic = raw["traffic"]
    weekday = tuple(float(x) for x in traffic["weekday"])
    hours = tuple(float(x) for x in traffic["hour_of_day"])
    if len(weekday) != 7 or len(hours) != 24 or min(weekday + hours) < 0 or sum(hours) <= 0:
        raise ValueError("traffic.weekday needs 7 and traffic.hour_of_day 24 non-negative numbers")
    bad = traffic["bad_hours"]
    integrations = []
    for key, spec in raw["integrations"].items():
        exceptions = {str(k): _probability(v, f"{key}.exceptions.{k}") for k, v in spec.get("exceptions", {}).items()}
        vendor = _probability(spec.get("vendor_error", 0.0), f"{key}.vendor_error")
        if vendor + sum(exceptions.values()) >= 1.0:
            raise ValueError(f"{key}: failure probabilities must add up to less than 1")
        integrations.append(Integration(
            key=str(key),
            invocations_per_day=float(spec["invocations_per_day"]),
            modes=_shares(spec["modes"], f"{key}.modes"),
            slugs=_shares(spec["slugs"], f"{key}.slugs"),
            vendor_error=vendor,
            exceptions=exceptions,
            latency_median_ms=float(spec["latency"]["median_ms"]),
            latency_sigma=float(spec["latency"]["sigma"]),
        ))
    channels = tuple(
        Channel(str(name), float(spec["sessions_per_day"]), _probability(spec["escalation_rate"], f"{name}.escalation_rate"),
                _positive(spec.get("resolution_minutes", 10.0), f"{name}.resolution_minutes"),
                _positive(spec.get("first_response_seconds", 2.0), f"{name}.first_response_seconds"),
                max(1.0, float(spec.get("turns", 3.0))))
        for name, spec in raw["sessions"]["channels"].items()
    )
    return Catalog(
        weekday=weekday,
        hour_of_day=hours,
        day_noise=float(traffic.get("day_noise", 0.0)),
        bad_hours=BadHours(
            probability_per_day=_probability(bad["probability_per_day"], "bad_hours.probability_per_day"),
            vendor_error_multiplier=float(bad["vendor_error_multiplier"]),
            latency_multiplier=float(bad["latency_multiplier"]),
        ),
        integrations=tuple(integrations),
        channels=channels,
        priorities=_shares(raw["sessions"].get("priorities") or {"normal": 1.0}, "sessions.priorities"),
        statuses={outcome: _shares((raw["sessions"].get("statuses") or {}).get(outcome) or {"closed": 1.0},
                                   f"sessions.statuses.{outcome}")
                  for outcome in ("handled", "escalated")},
        session_shape=_session_shape(raw["sessions"]),
        mode_latency={str(k): _positive(v, f"mode_latency.{k}") for k, v in (raw.get("mode_latency") or {}).items()},
        resources=_resource_catalog(raw.get("resources") or {}),
        **_tool_world(raw),
    )


def _resource_catalog(raw: dict[str, Any]) -> ResourceCatalog:
    def named(items: Any, children: str) -> tuple[NamedSet, ...]:
        return tuple(NamedSet(str(i["name"]), str(i.get("description", "")), tuple(str(c) for c in i.get(children) or ()),
                              str(i.get("slug", ""))) for i in items or ())

    policies = tuple(NamedSet(str(p["name"]), str(p.get("description", "")),
                              tuple(f"r{n}" for n in range(1, int(p.get("revisions", 1)) + 1)))
                     for p in raw.get("policies") or ())
    people = raw.get("end_users") or {}
    end_users = int(people.get("count", 0))
    if end_users < 0 or end_users > 10_000:
        raise ValueError("resources.end_users.count must be between 0 and 10,000")
    first = tuple(str(n) for n in people.get("first_names") or ("Ada",))
    last = tuple(str(n) for n in people.get("last_names") or ("Lovelace",))
    return ResourceCatalog(named(raw.get("knowledge_bases"), "documents"), named(raw.get("mocks"), "scenarios"),
                           policies, end_users, first, last)


def _tool_world(raw: dict[str, Any]) -> dict[str, Any]:
    """Agents, tools, their error categories and retry shares; a catalog without them has no tool calls."""
    agents = tuple(Agent(str(a["id"]), str(a["name"]), str(a["revision_id"]), str(a.get("description", "")))
                   for a in raw.get("agents") or [])
    names = {a.name for a in agents}
    errors = tuple(ToolError(str(k), int(v["status_code"]), tuple(str(m) for m in v.get("messages") or ["error"]))
                   for k, v in (raw.get("tool_errors") or {}).items())
    categories = {e.category for e in errors}
    tools = []
    for key, spec in (raw.get("tools") or {}).items():
        shares = _shares(spec["agents"], f"tools.{key}.agents")
        unknown = sorted(set(shares) - names)
        if unknown:
            raise ValueError(f"tools.{key}.agents names agents the catalog does not list: {', '.join(unknown)}")
        failures = {str(k): _probability(v, f"tools.{key}.errors.{k}") for k, v in (spec.get("errors") or {}).items()}
        if set(failures) - categories:
            raise ValueError(f"tools.{key}.errors: categories must be listed in tool_errors")
        if sum(failures.values()) >= 1.0:
            raise ValueError(f"tools.{key}: error probabilities must add up to less than 1")
        latency = spec["latency"]
        tools.append(Tool(str(key), str(spec["id"]), str(spec["name"]), str(spec["tool_type"]), str(spec["provider"]),
                          float(spec["invocations_per_day"]), shares, _positive(latency["median_ms"], f"{key}.median_ms"),
                          _positive(latency["sigma"], f"{key}.sigma"), _positive(latency.get("timeout_ms", 10000), key),
                          failures, max(1.0, float(spec.get("calls_per_conversation", 1.0)))))
    retries = {outcome: tuple(_shares({str(i): v for i, v in enumerate(values)}, f"tool_retries.{outcome}").values())
               for outcome, values in (raw.get("tool_retries") or {"success": [1.0], "failed": [1.0]}).items()}
    return {"agents": agents, "tools": tuple(tools), "tool_errors": errors, "tool_retries": retries}


def _positive(value: Any, what: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"{what} must be a positive number")
    return number


_MESSAGE_BUCKET = re.compile(r"^(\d+)(?:-(\d+)|(\+))?$")


def _session_shape(raw: dict[str, Any]) -> SessionShape:
    buckets: list[tuple[str, int, int | None]] = []
    for label in raw.get("message_buckets") or ["1-2", "3-4", "5-8", "9-16", "17-32", "33+"]:
        match = _MESSAGE_BUCKET.match(str(label))
        if match is None:
            raise ValueError(f"sessions.message_buckets: {label!r} is not 'N-M', 'N' or 'N+'")
        first = int(match.group(1))
        last = None if match.group(3) else int(match.group(2) or first)
        if buckets and (buckets[-1][2] is None or first != buckets[-1][2] + 1):
            raise ValueError("sessions.message_buckets must be consecutive ranges, the open one last")
        buckets.append((str(label), first, last))
    if buckets[0][1] != 1 or buckets[-1][2] is not None:
        raise ValueError("sessions.message_buckets must start at 1 and end with an open range ('N+')")
    return SessionShape(
        resolution_sigma=_positive(raw.get("resolution_sigma", 0.85), "sessions.resolution_sigma"),
        resolution_by_priority=tuple((str(k), _positive(v, f"sessions.resolution_by_priority.{k}"))
                                     for k, v in (raw.get("resolution_by_priority") or {}).items()),
        first_response_sigma=_positive(raw.get("first_response_sigma", 0.6), "sessions.first_response_sigma"),
        escalated_turns_factor=_positive(raw.get("escalated_turns_factor", 1.7), "sessions.escalated_turns_factor"),
        message_buckets=tuple(buckets),
    )
