"""Leaf tables: the finest entities any filter can name, as numpy columns.

Every filtered or grouped figure is a sum over leaves, so filter additivity holds
by construction. An integration leaf is (integration_key, slug, mode, outcome),
where the outcome is ``success``, ``vendor_error`` or ``exception:<Type>``; a
session leaf is (channel, escalated or not). Each outcome is its own Poisson
stream, so ``invocations = successful + vendor_errors + exceptions`` is a sum,
never a constraint to enforce.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from numpy.typing import NDArray

from mockserver.world.catalog import Catalog
from mockserver.world.keys import stable_key

__all__ = ["LeafTable", "integration_leaves", "session_leaves", "tool_leaves", "retry_moments"]


@dataclass(frozen=True, slots=True)
class LeafTable:
    dims: dict[str, NDArray[np.str_]]  # dimension -> value per leaf
    kind: NDArray[np.str_]  # outcome kind per leaf (success, vendor_error, exception, escalated, handled)
    keys: NDArray[np.uint64]  # stable random-stream key per leaf
    group: NDArray[np.int64]  # noise/incident group (integration or channel) per leaf
    group_names: tuple[str, ...]
    group_keys: NDArray[np.uint64]
    daily_rate: NDArray[np.float64]  # expected events on a day with weekday factor 1
    latency_m1: NDArray[np.float64]  # E[latency] per event, ms
    latency_m2: NDArray[np.float64]  # E[latency^2] per event, ms^2
    unit: NDArray[np.int64]  # the volume unit per leaf: leaves that differ only in their outcome share one
    unit_keys: NDArray[np.uint64]  # stable random-stream key per unit
    family: str = "integrations"

    def __len__(self) -> int:
        return len(self.keys)

    def select(self, filters: Mapping[str, str | None]) -> NDArray[np.int64]:
        """Indices of the leaves matching every given filter (None = no filter)."""
        mask = np.ones(len(self), dtype=bool)
        for dim, value in filters.items():
            if value is not None:
                mask &= self.dims[dim] == value
        return np.flatnonzero(mask)


def _units(family: str, *columns: NDArray[np.str_]) -> tuple[NDArray[np.int64], NDArray[np.uint64]]:
    """Number the volume units (equal values in every column given), in order of first appearance.

    A unit is what one event belongs to before its outcome is known (an integration call by key, slug and mode;
    a session by channel and priority; a tool call by tool and agent): scenarios that convert outcomes keep
    each unit's count.
    """
    index: dict[tuple[str, ...], int] = {}
    unit = np.array([index.setdefault(tuple(str(c[i]) for c in columns), len(index)) for i in range(len(columns[0]))],
                    dtype=np.int64)
    keys = np.array([stable_key(family + "-unit", *names) for names in index], dtype=np.uint64)
    return unit, keys


def _lognormal_moments(median: float, sigma: float) -> tuple[float, float]:
    return median * math.exp(sigma * sigma / 2), median * median * math.exp(2 * sigma * sigma)


def integration_leaves(catalog: Catalog) -> LeafTable:
    rows: list[tuple[str, str, str, str, str, int, float, float, float]] = []
    for group, integration in enumerate(catalog.integrations):
        m1, m2 = _lognormal_moments(integration.latency_median_ms, integration.latency_sigma)
        outcomes = [("success", "success", 1.0 - integration.vendor_error - sum(integration.exceptions.values())),
                    ("vendor_error", "vendor_error", integration.vendor_error)]
        outcomes += [(f"exception:{name}", "exception", p) for name, p in integration.exceptions.items()]
        for mode, mode_share in integration.modes.items():
            slower = catalog.mode_latency.get(mode, 1.0)  # scales every latency: E[x] by f, E[x^2] by f^2
            for slug, slug_share in integration.slugs.items():
                for outcome, kind, p in outcomes:
                    rate = integration.invocations_per_day * mode_share * slug_share * p
                    rows.append((integration.key, slug, mode, outcome, kind, group, rate, m1 * slower,
                                 m2 * slower * slower))
    names = tuple(i.key for i in catalog.integrations)
    dims = {
        "integration_key": np.array([r[0] for r in rows]),
        "slug": np.array([r[1] for r in rows]),
        "mode": np.array([r[2] for r in rows]),
        "error_category": np.array([r[3] for r in rows]),
    }
    unit, unit_keys = _units("integration", dims["integration_key"], dims["slug"], dims["mode"])
    return LeafTable(
        dims=dims,
        kind=np.array([r[4] for r in rows]),
        keys=np.array([stable_key("integration", *r[:4]) for r in rows], dtype=np.uint64),
        group=np.array([r[5] for r in rows], dtype=np.int64),
        group_names=names,
        group_keys=np.array([stable_key("integration", n) for n in names], dtype=np.uint64),
        daily_rate=np.array([r[6] for r in rows]),
        latency_m1=np.array([r[7] for r in rows]),
        latency_m2=np.array([r[8] for r in rows]),
        unit=unit,
        unit_keys=unit_keys,
    )


def session_leaves(catalog: Catalog) -> LeafTable:
    """(channel, priority, status, escalated or handled): every session filter names a dimension."""
    rows: list[tuple[str, str, str, str, int, float]] = []
    for group, channel in enumerate(catalog.channels):
        for outcome, share in (("escalated", channel.escalation_rate), ("handled", 1 - channel.escalation_rate)):
            for priority, priority_share in catalog.priorities.items():
                for status, status_share in catalog.statuses[outcome].items():
                    rate = channel.sessions_per_day * share * priority_share * status_share
                    rows.append((channel.name, priority, status, outcome, group, rate))
    names = tuple(c.name for c in catalog.channels)
    zeros = np.zeros(len(rows))
    dims = {"channel": np.array([r[0] for r in rows]), "priority": np.array([r[1] for r in rows]),
            "status": np.array([r[2] for r in rows])}
    unit, unit_keys = _units("session", dims["channel"], dims["priority"])
    return LeafTable(
        dims=dims,
        kind=np.array([r[3] for r in rows]),
        keys=np.array([stable_key("session", r[0], r[1], r[2], r[3]) for r in rows], dtype=np.uint64),
        group=np.array([r[4] for r in rows], dtype=np.int64),
        group_names=names,
        group_keys=np.array([stable_key("channel", n) for n in names], dtype=np.uint64),
        daily_rate=np.array([r[5] for r in rows]),
        latency_m1=zeros,
        latency_m2=zeros,
        unit=unit,
        unit_keys=unit_keys,
        family="sessions",
    )


def tool_leaves(catalog: Catalog) -> LeafTable:
    """(tool, agent, outcome): a tool call's outcome is ``success`` or an error category; kind is ``success`` or
    ``failed``. Every dimension a tools filter or group names is a column.

    Retries are not a dimension (it would quadruple the leaves, and the work, for one operation): a call is retried
    0-3 times with the catalog's shares for its kind, and a call with ``r`` retries takes ``r + 1`` attempts, so a
    leaf's latency moments are that mixture's. ``analytics/tools.py`` splits counts by retries when asked. A timed-out
    call takes about the tool's ``timeout_ms``.
    """
    agents = {a.name: a for a in catalog.agents}
    rows: list[tuple[Any, ...]] = []
    for group, tool in enumerate(catalog.tools):
        outcomes = [("success", "success", 1.0 - sum(tool.errors.values()))]
        outcomes += [(category, "failed", p) for category, p in tool.errors.items()]
        for agent_name, agent_share in tool.agents.items():
            agent = agents[agent_name]
            for outcome, kind, p in outcomes:
                median, sigma = (tool.timeout_ms, 0.05) if outcome == "timeout" else (tool.latency_median_ms,
                                                                                     tool.latency_sigma)
                m1, m2 = _lognormal_moments(median, sigma)
                attempts1, attempts2 = retry_moments(catalog.tool_retries.get(kind, (1.0,)))
                rate = tool.invocations_per_day * agent_share * p
                rows.append((tool.id, tool.tool_type, tool.provider, agent.id, agent.revision_id, outcome, kind, group,
                             rate, m1 * attempts1, m2 * attempts2))
    names = tuple(t.id for t in catalog.tools)
    columns = ("tool_id", "tool_type", "provider", "agent_id", "revision_id", "error_category")
    dims = {name: np.array([r[i] for r in rows], dtype=str) for i, name in enumerate(columns)}
    unit, unit_keys = _units("tool-call", dims["tool_id"], dims["agent_id"])
    return LeafTable(
        dims=dims,
        kind=np.array([r[6] for r in rows], dtype=str),
        keys=np.array([stable_key("tool-call", r[0], r[3], r[5]) for r in rows], dtype=np.uint64),
        group=np.array([r[7] for r in rows], dtype=np.int64),
        group_names=names,
        group_keys=np.array([stable_key("tool", n) for n in names], dtype=np.uint64),
        daily_rate=np.array([r[8] for r in rows], dtype=np.float64),
        latency_m1=np.array([r[9] for r in rows], dtype=np.float64),
        latency_m2=np.array([r[10] for r in rows], dtype=np.float64),
        unit=unit,
        unit_keys=unit_keys,
        family="tools",
    )


def retry_moments(shares: tuple[float, ...]) -> tuple[float, float]:
    """E[attempts] and E[attempts^2] when ``shares[r]`` of calls are retried ``r`` times (attempts = r + 1)."""
    return (sum(share * (r + 1) for r, share in enumerate(shares)),
            sum(share * (r + 1) ** 2 for r, share in enumerate(shares)))
