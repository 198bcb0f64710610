"""Effects: multipliers on some leaves during some hours.

Rare bad hours of the baseline world and every scenario overlay are effects, and
they act on *rates*, before any count is drawn: counts then still add up across
granularities and filters, rates still match their counts, inside any scenario.

An effect's schedule gives, for each (day, hour), a strength ``s``; the effect
multiplies a rate by ``factor ** s``. Strength 1 inside a time range and 0
outside gives an on/off overlay; strength "weeks since an anchor" gives growth.
A *converting* effect (``outcomes:`` in a scenario file) multiplies the odds of
outcomes instead, keeping every volume (``traffic.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from mockserver.world.calendar import weekday

__all__ = ["Schedule", "TimeRange", "Weekly", "Ramp", "Effect"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class Schedule(Protocol):
    def strength(self, days: I64) -> F64:
        """(len(days), 24) strengths for the given day numbers."""
        ...


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Absolute UTC hours ``[start_hour, end_hour)`` counted from the epoch."""

    start_hour: int
    end_hour: int

    def strength(self, days: I64) -> F64:
        hours = days[:, None] * 24 + np.arange(24)[None, :]
        return ((hours >= self.start_hour) & (hours < self.end_hour)).astype(np.float64)


@dataclass(frozen=True, slots=True)
class Weekly:
    """Every week on ``weekdays`` (Monday = 0), UTC hours ``[from_hour, to_hour)``."""

    weekdays: frozenset[int]
    from_hour: int
    to_hour: int

    def strength(self, days: I64) -> F64:
        on_day = np.isin(weekday(days), list(self.weekdays))
        hours = np.arange(24)
        in_hours = (hours >= self.from_hour) & (hours < self.to_hour)
        return (on_day[:, None] & in_hours[None, :]).astype(np.float64)


@dataclass(frozen=True, slots=True)
class Ramp:
    """Steady change from an anchor day: strength = weeks since the anchor (negative before).

    The ramp runs from ``first_day`` to ``last_day`` and holds still outside them,
    so a date years away does not multiply volumes (and the work to split them)
    without bound.
    """

    anchor_day: int
    first_day: int
    last_day: int

    def strength(self, days: I64) -> F64:
        weeks = (np.clip(days, self.first_day, self.last_day) - self.anchor_day).astype(np.float64) / 7.0
        return np.repeat(weeks[:, None], 24, axis=1)


@dataclass(frozen=True, slots=True)
class Effect:
    schedule: Schedule
    selector: dict[str, frozenset[str]] = field(default_factory=dict)  # dimension -> values; empty = all
    rate: dict[str, float] = field(default_factory=dict)  # outcome kind ("*" = every kind) -> factor
    latency: float = 1.0
    family: str = "integrations"  # which leaf table it acts on: integrations | sessions | tools
    # False: ``rate`` multiplies the leaves' rates (volume changes). True: ``rate`` multiplies the odds of each
    # outcome inside a volume unit, and the world's events in the effect's hours are re-assigned outcomes by those
    # odds: every count of the world without the effect is kept except which outcome an event had.
    converts: bool = False

    def leaf_mask(self, dims: dict[str, NDArray[np.str_]], kinds: NDArray[np.str_]) -> tuple[NDArray[np.bool_], F64]:
        """Which leaves the effect touches, and each one's rate factor."""
        size = len(kinds)
        mask = np.ones(size, dtype=bool)
        for dim, values in self.selector.items():
            if dim not in dims:
                return np.zeros(size, dtype=bool), np.ones(size)
            mask &= np.isin(dims[dim], list(values))
        factor = np.full(size, self.rate.get("*", 1.0))
        for kind, value in self.rate.items():
            if kind != "*":
                factor = np.where(kinds == kind, factor * value, factor)
        return mask, factor
