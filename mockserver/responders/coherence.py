"""Light coherence for schema-generated analytics bodies (operations without a dedicated generator).

Random values break the rules every chart relies on. This pass fixes the ones
that need no model of the world: percentile families ascend up to their max and
the average stays below the max, shares in a list add up to 100, and nested
timeseries sit on aligned, ascending buckets of the requested window.
"""

from __future__ import annotations

import re
from typing import Any, Callable

__all__ = ["make_coherent"]

_PERCENTILE = re.compile(r"^p(\d+)(_.*)?$")
_SHARES = ("share_pct", "percentage")


def _percentiles(row: dict[str, Any]) -> None:
    families: dict[str, list[tuple[float, str]]] = {}
    for key, value in row.items():
        match = _PERCENTILE.match(key)
        if match and isinstance(value, (int, float)) and not isinstance(value, bool):
            families.setdefault(match.group(2) or "", []).append((float(match.group(1)), key))
    for suffix, members in families.items():
        keys = [key for _, key in sorted(members)]
        top = f"max{suffix}"
        if isinstance(row.get(top), (int, float)) and not isinstance(row.get(top), bool):
            keys.append(top)
        values = sorted(row[k] for k in keys)
        for key, value in zip(keys, values):
            row[key] = value
        avg = f"avg{suffix}"
        if top in row and isinstance(row.get(avg), (int, float)) and row[avg] > row[top]:
            row[avg] = row[top]


def _shares(rows: list[Any]) -> None:
    for field in _SHARES:
        values = [row.get(field) for row in rows if isinstance(row, dict)]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) != len(rows) or not rows:
            continue
        total = sum(numbers)
        shares = [round(100 * v / total, 2) if total else round(100 / len(rows), 2) for v in numbers]
        for row, share in zip(rows, shares):
            row[field] = share


def make_coherent(content: Any, labels: Callable[[int], list[str]]) -> Any:
    """``labels(n)`` gives n aligned, ascending bucket labels inside the request's window."""
    if isinstance(content, dict):
        _percentiles(content)
        for value in content.values():
            make_coherent(value, labels)
    elif isinstance(content, list):
        dicts = [row for row in content if isinstance(row, dict)]
        if dicts and len(dicts) == len(content):
            _shares(content)
            if all("time_bucket" in row for row in dicts):
                for row, label in zip(dicts, labels(len(dicts))):
                    row["time_bucket"] = label
        for value in content:
            make_coherent(value, labels)
    return content
