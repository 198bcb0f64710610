"""Scenarios: declarative overlays on the world, one YAML file each in ``mockserver/fixtures/scenarios/``.

A scenario is a list of effects (which leaves, which hours, which multipliers)
plus a feedback volume factor, and optionally fault rates (a share of requests
answered with an outage status, chosen per request so a given request always
meets the same fate). Effects act on rates before any count is drawn,
so every invariant of the world holds inside every scenario. Adding a file adds
a scenario; no code changes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mockserver.world.calendar import day_number
from mockserver.world.effects import Effect, Ramp, Schedule, TimeRange, Weekly

__all__ = ["Scenario", "Fault", "ScenarioError", "load_scenarios", "NAME_PATTERN"]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_FAMILIES = ("integrations", "sessions", "tools")
# A ramp's factor stays within 1/_MAX_RAMP.._MAX_RAMP: the work to split counts grows with them.
_MAX_RAMP = 8.0


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Fault:
    """This share of requests (0-1) is answered with this outage status instead."""

    status: int
    rate: float


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    effects: tuple[Effect, ...] = ()
    feedback_volume: float = 1.0
    faults: tuple[Fault, ...] = ()
    source: Path | None = field(default=None, compare=False)


def load_scenarios(directory: Path) -> dict[str, Scenario]:
    scenarios: dict[str, Scenario] = {}
    for path in sorted(directory.glob("*.yaml")):
        name = path.stem
        if not NAME_PATTERN.match(name):
            raise ScenarioError(f"{path}: scenario names are lower-case letters, digits, '-' and '_'")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            scenarios[name] = _scenario(name, raw, path)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ScenarioError(f"{path}: {exc}") from exc
    scenarios.setdefault("baseline", Scenario("baseline", "The world as the catalog describes it."))
    return scenarios


def _scenario(name: str, raw: dict[str, Any], path: Path) -> Scenario:
    unknown = set(raw) - {"description", "effects", "feedback", "faults"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    effects = tuple(_effect(spec) for spec in raw.get("effects") or [])
    volume = float((raw.get("feedback") or {}).get("volume", 1.0))
    if volume < 0:
        raise ValueError("feedback.volume must be >= 0")
    faults = tuple(Fault(int(spec["status"]), float(spec["rate"])) for spec in raw.get("faults") or [])
    if any(not 0 <= f.rate <= 1 for f in faults) or sum(f.rate for f in faults) > 1:
        raise ValueError("fault rates must be between 0 and 1, and add up to at most 1")
    return Scenario(name, str(raw.get("description", "")).strip(), effects, volume, faults, path)


def _effect(spec: dict[str, Any]) -> Effect:
    unknown = set(spec) - {"family", "select", "rates", "outcomes", "latency", "ramp", "weekly", "between", "always"}
    if unknown:
        raise ValueError(f"unknown effect keys {sorted(unknown)}")
    family = spec["family"]
    if family not in _FAMILIES:
        raise ValueError(f"effect family must be one of {_FAMILIES}, got {family!r}")
    selector = {str(dim): frozenset(str(v) for v in values) for dim, values in (spec.get("select") or {}).items()}
    if "rates" in spec and "outcomes" in spec:
        raise ValueError("an effect has either rates (volume changes) or outcomes (volume kept), not both")
    converts = "outcomes" in spec
    rates = {str(kind): float(factor) for kind, factor in (spec.get("outcomes" if converts else "rates") or {}).items()}
    if converts and "*" in rates:
        raise ValueError("outcomes multiplies the odds of named outcome kinds; '*' would change nothing")
    latency = float(spec.get("latency", 1.0))
    if min([latency, *rates.values()]) < 0:
        raise ValueError("multipliers must be >= 0")
    schedule: Schedule
    if "ramp" in spec:
        ramp = spec["ramp"]
        if converts:
            raise ValueError("a ramp changes volume: give it rates, not outcomes")
        anchor = day_number(dt.date.fromisoformat(str(ramp["anchor"])))
        first = day_number(dt.date.fromisoformat(str(ramp["from"]))) if "from" in ramp else anchor - 182
        last = day_number(dt.date.fromisoformat(str(ramp["to"]))) if "to" in ramp else anchor + 182
        per_week = float(ramp["per_week"])
        if per_week <= 0:
            raise ValueError("ramp.per_week must be > 0")
        if not first <= anchor <= last:
            raise ValueError("ramp: from <= anchor <= to")
        if abs(math.log(per_week)) * max(anchor - first, last - anchor) / 7 > math.log(_MAX_RAMP):
            raise ValueError(f"ramp: the factor would pass {_MAX_RAMP:g}x either way; shorten from/to or per_week")
        rates = {"*": per_week}
        schedule = Ramp(anchor, first, last)
    elif "weekly" in spec:
        weekly = spec["weekly"]
        days = frozenset(_DAYS[str(d).lower()[:3]] for d in weekly["days"])
        schedule = Weekly(days, int(weekly.get("from_hour", 0)), int(weekly.get("to_hour", 24)))
    elif "between" in spec:
        between = spec["between"]
        start = dt.datetime.fromisoformat(str(between["from"]).replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(str(between["to"]).replace("Z", "+00:00"))
        schedule = TimeRange(int(start.timestamp()) // 3600, int(end.timestamp()) // 3600)
    elif spec.get("always"):
        schedule = Weekly(frozenset(range(7)), 0, 24)
    else:
        raise ValueError("an effect needs one of: always, weekly, between, ramp")
    return Effect(schedule, selector, rates, latency, family, converts)
