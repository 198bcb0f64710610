"""Feedback rows, generated per minute from (seed, project, feedback type, minute).

A row's existence, timestamp, trigger version and payload depend only on those
coordinates and its ordinal within the minute, so any window sees the same rows
and buckets always agree with window statistics. Volume follows the same weekday
and hour-of-day shapes as the rest of the product (``mockserver/fixtures/catalog.yaml``),
scaled by a stable per-project factor so projects differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from mockserver.feedback.catalog import FeedbackCatalog, FeedbackType, Leaf
from mockserver.world.calendar import weekday
from mockserver.world.keys import stable_key
from mockserver.world.rng import hash_keys, hash_more, poisson, standard_normal, uniform
from mockserver.world.traffic import stretches
from mockserver.world.world import Memo

__all__ = ["Rows", "Column", "generate_rows", "trigger_ref"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
_COUNT, _SECOND, _VERSION, _LEAF, _PRESENT, _PROJECT = 11, 12, 13, 14, 15, 16


@dataclass(frozen=True, slots=True)
class Column:
    """One payload path over all rows. Numbers and booleans as floats (NaN = absent); labels as codes (-1 = absent)."""

    kind: str
    numbers: F64 | None = None
    codes: I64 | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rows:
    created_at: I64  # epoch seconds (the row's minute's start when drawn with ``seconds=False``)
    type_index: I64
    version_index: I64 | None  # None when not drawn (asked for with ``versions=False``)
    columns: dict[str, Column]

    def __len__(self) -> int:
        return len(self.created_at)

    def take(self, mask: NDArray[np.bool_]) -> Rows:
        columns = {
            path: Column(c.kind, None if c.numbers is None else c.numbers[mask],
                         None if c.codes is None else c.codes[mask], c.labels)
            for path, c in self.columns.items()
        }
        versions = None if self.version_index is None else self.version_index[mask]
        return Rows(self.created_at[mask], self.type_index[mask], versions, columns)


def trigger_ref(project_id: str, ftype: FeedbackType, version: str) -> str:
    return f"weave:///{project_id}/op/{ftype.trigger_name}:{version}"


def project_factor(seed: int, project_id: str) -> float:
    """Stable volume multiplier per project: most projects are ordinary, a few are busy."""
    z = float(standard_normal(hash_keys(seed, _PROJECT, stable_key("project", project_id))))
    return float(np.exp(0.6 * z - 0.18))


def generate_rows(catalog: FeedbackCatalog, seed: int, project_id: str, first_minute: int, last_minute: int,
                  weekday_shape: F64, hour_shape: F64, type_mask: NDArray[np.bool_],
                  paths: frozenset[str] | None = None, memo: Memo | None = None, versions: bool = True,
                  seconds: bool = True) -> Rows:
    """Every row of the selected feedback types created in minutes ``[first_minute, last_minute)``, with the
    payload columns of ``paths`` (and the leaves they are derived from; every column when None). A leaf's values
    are keyed by its own place in its type, so leaving others undrawn changes none of them; so are the rows'
    trigger versions, drawn only with ``versions`` (statistics need them only to filter by ``trigger_ref``), and
    the second of each row's minute, drawn only with ``seconds`` (a window and buckets on whole minutes do not
    need it: every row of a minute falls in the same bucket).

    With a ``memo``, each type's row minutes are kept per UTC day (:func:`_kept_row_minutes`): deciding which
    minutes hold rows is a Poisson draw for every minute of the window, most of them zero, and it is the same
    draw for every window and every request."""
    project = stable_key("project", project_id)
    scale = project_factor(seed, project_id)
    shapes = blake2b(weekday_shape.tobytes() + hour_shape.tobytes(), digest_size=8).digest()
    parts: list[tuple[int, I64, NDArray[np.uint64]]] = []
    for t, ftype in enumerate(catalog.types):
        if not type_mask[t]:
            continue
        type_key = stable_key("feedback_type", ftype.name)

        def draw(first: int, last: int, rows_per_day: float = ftype.rows_per_day, type_key: int = type_key) -> I64:
            """The minute of every row in minutes ``[first, last)``, ascending (a minute once per row)."""
            minutes = np.arange(first, last, dtype=np.int64)
            shape = weekday_shape[weekday(minutes // 1440)] * hour_shape[(minutes // 60) % 24]
            rate = rows_per_day / 1440.0 * scale * shape
            counts = poisson(rate, hash_keys(seed, _COUNT, project, type_key, minutes))
            return np.repeat(minutes, counts)

        if memo is None:
            row_minutes = draw(first_minute, last_minute)
        else:
            row_minutes = _kept_row_minutes(memo, ("feedback-row-minutes", seed, project_id, shapes, t),
                                            first_minute, last_minute, draw)
        ordinal = _places_in_minute(row_minutes)
        parts.append((t, row_minutes, hash_keys(seed, project, type_key, row_minutes, ordinal)))
    return _assemble(catalog, parts, paths, versions, seconds)


def _places_in_minute(row_minutes: I64) -> I64:
    """Each row's place among the rows of its minute (0, 1, ...): ascending minutes, one pass."""
    n = len(row_minutes)
    if not n:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], row_minutes[1:] != row_minutes[:-1])))
    return np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))


def _kept_row_minutes(memo: Memo, key: tuple[Any, ...], first_minute: int, last_minute: int,
                      draw: Callable[[int, int], I64]) -> I64:
    """Row minutes in ``[first_minute, last_minute)`` from whole UTC days kept in the memo; the missing days are
    drawn together, each stretch of consecutive days in one draw. A day is kept as its rows' minutes of the day
    (0-1439, two bytes each, a quarter of the epoch minutes' eight), so the memo holds four times as many days."""
    if last_minute <= first_minute:
        return np.zeros(0, dtype=np.int64)
    days = range(first_minute // 1440, (last_minute - 1) // 1440 + 1)
    found = {day: memo.peek((*key, day)) for day in days}
    missing = [day for day in days if found[day] is None]
    for stretch in stretches(missing):
        drawn = draw(stretch[0] * 1440, (stretch[-1] + 1) * 1440)
        bounds = np.searchsorted(drawn, [day * 1440 for day in stretch] + [(stretch[-1] + 1) * 1440])
        for i, day in enumerate(stretch):
            found[day] = memo.keep((*key, day), (drawn[bounds[i]:bounds[i + 1]] - day * 1440).astype(np.uint16))
    kept = [found[day] for day in days]
    whole = np.concatenate(kept).astype(np.int64)
    whole += np.repeat(np.asarray(days, dtype=np.int64) * 1440, [len(minutes) for minutes in kept])
    return whole[np.searchsorted(whole, first_minute):np.searchsorted(whole, last_minute)]


def _drawn_leaves(leaves: tuple[Leaf, ...], paths: frozenset[str] | None) -> list[int]:
    """The places of the leaves to draw: those at ``paths`` and, transitively, the ones they derive from."""
    if paths is None:
        return list(range(len(leaves)))
    wanted = set(paths)
    while True:
        sources = {str(leaf.params["from"]) for leaf in leaves if leaf.path in wanted and "from" in leaf.params}
        if sources <= wanted:
            break
        wanted |= sources
    return [index for index, leaf in enumerate(leaves) if leaf.path in wanted]


def _assemble(catalog: FeedbackCatalog, parts: list[tuple[int, I64, NDArray[np.uint64]]],
              paths: frozenset[str] | None, with_versions: bool, with_seconds: bool) -> Rows:
    created, types, versions = [], [], []
    sizes = []
    # Every draw of a row is keyed (row key, what, ...): the row key's own mixing is shared by all of them.
    mixed = [hash_keys(keys) for _, _, keys in parts]
    for (t, row_minutes, keys), row in zip(parts, mixed):
        ftype = catalog.types[t]
        created.append(row_minutes * 60 + (hash_more(row, _SECOND) % np.uint64(60)).astype(np.int64) if with_seconds
                       else row_minutes * 60)
        types.append(np.full(len(keys), t, dtype=np.int64))
        if with_versions:
            shares = np.cumsum([share for _, share in ftype.versions])
            versions.append(np.minimum(np.searchsorted(shares, uniform(hash_more(row, _VERSION)), side="right"),
                                       len(shares) - 1).astype(np.int64))
        sizes.append(len(keys))
    total = sum(sizes)
    result: dict[str, Column] = {}
    offset = 0
    for (t, _, _), row, size in zip(parts, mixed, sizes):
        values: dict[str, F64] = {}
        leaves = catalog.types[t].leaves
        for index in _drawn_leaves(leaves, paths):
            leaf = leaves[index]
            drawn = _draw(leaf, hash_more(row, _LEAF, index), values)
            # A uniform draw lies in (0, 1): a leaf always present needs no draw to say so.
            present = uniform(hash_more(row, _PRESENT, index)) < leaf.present if leaf.present < 1.0 \
                else np.ones(size, dtype=bool)
            if paths is None or leaf.path in paths:  # a leaf drawn only for what derives from it is not a column
                column = result.get(leaf.path)
                if column is None:
                    column = _empty_column(leaf, total)
                    result[leaf.path] = column
                if leaf.kind == "categorical" and column.codes is not None:
                    column.codes[offset:offset + size] = np.where(present & (drawn >= 0), drawn, -1).astype(np.int64)
                elif column.numbers is not None:
                    column.numbers[offset:offset + size] = np.where(present, drawn, np.nan)
            if leaf.kind == "numeric":
                values[leaf.path] = np.where(present, drawn, np.nan)
        offset += size
    empty = np.zeros(0, dtype=np.int64)
    return Rows(
        created_at=np.concatenate(created) if created else empty,
        type_index=np.concatenate(types) if types else empty,
        version_index=(np.concatenate(versions) if versions else empty) if with_versions else None,
        columns=result,
    )


def _empty_column(leaf: Leaf, size: int) -> Column:
    if leaf.kind == "categorical":
        return Column("categorical", codes=np.full(size, -1, dtype=np.int64), labels=leaf.labels)
    return Column(leaf.kind, numbers=np.full(size, np.nan))


def _draw(leaf: Leaf, keys: NDArray[np.uint64], numeric: dict[str, F64]) -> F64:
    p = leaf.params
    if leaf.kind == "numeric":
        z = standard_normal(keys)
        if "median" in p:
            value = float(p["median"]) * np.exp(float(p["sigma"]) * z)
        else:
            value = float(p["mean"]) + float(p["sd"]) * z
        value = np.clip(value, p.get("min", -np.inf), p.get("max", np.inf))
        return np.round(value, int(p.get("decimals", 3)))
    if leaf.kind == "boolean":
        if "from" in p:
            source = numeric[p["from"]]
            truth = source > float(p["above"]) if "above" in p else source < float(p["below"])
            return np.where(np.isnan(source), np.nan, truth.astype(np.float64))
        return (uniform(keys) < float(p["p_true"])).astype(np.float64)
    if "from" in p:
        source = numeric[p["from"]]
        codes = np.searchsorted(np.asarray(p["cuts"], dtype=np.float64), np.nan_to_num(source), side="right")
        return np.where(np.isnan(source), -1, codes).astype(np.float64)
    weights = np.cumsum(list(p["choices"].values()), dtype=np.float64)
    codes = np.searchsorted(weights / weights[-1], uniform(keys), side="right")
    return np.minimum(codes, len(weights) - 1).astype(np.float64)
