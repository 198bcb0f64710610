"""Adapters from validated Weave requests to the feedback endpoints.

422 model-level failures (``end`` before ``start``, over 31 days) become
FastAPI's ``value_error`` item at ``["body"]``; query-build failures become
Weave's 400 ``{"reason": ...}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from mockserver.feedback.catalog import FeedbackCatalog, load_feedback_catalog
from mockserver.feedback.endpoints import FeedbackWorld, feedback_stats, payload_schema
from mockserver.feedback.request import FeedbackError, FeedbackInvalid
from mockserver.responders.base import Generated, Impossible, MockRequest
from mockserver.world.world import WorldBook

__all__ = ["feedback_responders"]

Endpoint = Callable[[FeedbackWorld, dict[str, Any], Any], dict[str, Any]]


def _adapter(catalog: FeedbackCatalog, worlds: WorldBook, endpoint: Endpoint) -> Callable[[MockRequest], Generated]:
    traffic = worlds.catalog
    weekday = np.asarray(traffic.weekday, dtype=np.float64)
    hours = np.asarray(traffic.hour_of_day, dtype=np.float64)
    hour_shape = hours / hours.mean()

    def respond(request: MockRequest) -> Generated:
        volume = worlds.scenarios[request.scenario].feedback_volume
        world = FeedbackWorld(catalog, request.seed, weekday, hour_shape, volume, worlds.memo)
        try:
            return Generated(200, endpoint(world, request.body, request.now))
        except FeedbackInvalid as exc:
            item = {"type": "value_error", "loc": ["body"], "msg": f"Value error, {exc}", "input": request.body,
                    "ctx": {"error": {}}}
            return Generated(422, {"detail": [item]})
        except FeedbackError as exc:
            raise Impossible(str(exc)) from exc

    return respond


def feedback_responders(catalog_path: Path, worlds: WorldBook) -> dict[tuple[str, str], Callable[[MockRequest], Generated]]:
    catalog = load_feedback_catalog(catalog_path)
    return {
        ("weave", "feedback_stats_feedback_stats_post"): _adapter(catalog, worlds, feedback_stats),
        ("weave", "feedback_payload_schema_feedback_payload_schema_post"): _adapter(catalog, worlds, payload_schema),
    }
