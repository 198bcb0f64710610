"""``mockserver/fixtures/feedback.yaml`` as typed objects: feedback types, trigger refs, payload leaves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Leaf", "FeedbackType", "FeedbackCatalog", "FeedbackCatalogError", "load_feedback_catalog"]


class FeedbackCatalogError(Exception):
    """The feedback fixture is unusable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Leaf:
    path: str
    kind: str  # numeric | boolean | categorical
    params: dict[str, Any]
    present: float

    @property
    def labels(self) -> tuple[str, ...]:
        if "labels" in self.params:
            return tuple(self.params["labels"])
        return tuple(self.params.get("choices", {}))


@dataclass(frozen=True, slots=True)
class FeedbackType:
    name: str
    rows_per_day: float
    trigger_name: str
    versions: tuple[tuple[str, float], ...]  # (version, share), shares sum to 1
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True, slots=True)
class FeedbackCatalog:
    types: tuple[FeedbackType, ...]


def load_feedback_catalog(path: Path) -> FeedbackCatalog:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        catalog = FeedbackCatalog(tuple(_type(name, spec) for name, spec in raw["feedback_types"].items()))
        _check_shared_paths(catalog)
        return catalog
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FeedbackCatalogError(f"{path}: {exc}") from exc


def _check_shared_paths(catalog: FeedbackCatalog) -> None:
    """A path shared by several feedback types must mean the same thing in each."""
    seen: dict[str, Leaf] = {}
    for ftype in catalog.types:
        for leaf in ftype.leaves:
            first = seen.setdefault(leaf.path, leaf)
            if (first.kind, first.labels) != (leaf.kind, leaf.labels):
                raise ValueError(f"{ftype.name}.{leaf.path}: a shared path needs the same kind and labels everywhere")


def _type(name: str, spec: dict[str, Any]) -> FeedbackType:
    versions = {str(k): float(v) for k, v in spec["trigger"]["versions"].items()}
    total = sum(versions.values())
    if total <= 0 or min(versions.values()) < 0:
        raise ValueError(f"{name}: trigger versions need non-negative shares with a positive sum")
    leaves: list[Leaf] = []
    for leaf_path, leaf in spec["payload"].items():
        kind = leaf["kind"]
        if kind not in ("numeric", "boolean", "categorical"):
            raise ValueError(f"{name}.{leaf_path}: unknown kind {kind!r}")
        source = leaf.get("from")
        if source is not None and not any(x.path == source and x.kind == "numeric" for x in leaves):
            raise ValueError(f"{name}.{leaf_path}: 'from' must name a numeric leaf listed before it")
        params = {k: v for k, v in leaf.items() if k not in ("kind", "present")}
        leaves.append(Leaf(str(leaf_path), kind, params, float(leaf.get("present", 1.0))))
    return FeedbackType(
        name=str(name),
        rows_per_day=float(spec["rows_per_day"]),
        trigger_name=str(spec["trigger"]["name"]),
        versions=tuple((k, v / total) for k, v in versions.items()),
        leaves=tuple(leaves),
    )
