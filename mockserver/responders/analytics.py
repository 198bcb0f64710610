"""Adapters from validated requests to the analytics generators.

Each adapter reads the shared query (window, granularity, filters), picks the
world for the request's seed and scenario, and wraps the rows. Requests that are
well-formed but impossible (see ``analytics.query``) become Feather's 400.
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.analytics import integrations, session_quality, sessions, tools, tools_dashboard
from mockserver.analytics.query import AnalyticsQuery, QueryError, parse_query
from mockserver.responders.base import Generated, Impossible, MockRequest
from mockserver.settings import Limits
from mockserver.world.world import World, WorldBook

__all__ = ["analytics_responders"]

Generator = Callable[[World, AnalyticsQuery], Any]

# operationId -> (generator, the filters that operation accepts)
OPERATIONS: dict[str, tuple[Generator, tuple[str, ...]]] = {
    "getSessionEscalationRate": (sessions.escalation_rate_rows, sessions.FILTERS),
    "getSessionByChannel": (session_quality.by_channel_rows, ()),
    "getSessionResolutionTime": (session_quality.resolution_time_rows, session_quality.RESOLUTION_FILTERS),
    "getSessionFirstResponseTime": (session_quality.first_response_rows, sessions.FILTERS),
    "getSessionTurnDepth": (session_quality.turn_depth_rows, ()),
    "getSessionMessageDistribution": (session_quality.message_distribution_rows, session_quality.MESSAGE_FILTERS),
    "getSessionVolumeTimeseries": (sessions.volume_rows, sessions.VOLUME_FILTERS),
    "getSessionStatusBreakdown": (sessions.status_breakdown_rows, sessions.FILTERS),
    "getIntegrationAnalyticsSummary": (integrations.summary_rows, integrations.FILTERS),
    "getIntegrationUsageTimeseries": (integrations.usage_rows, integrations.FILTERS),
    "getIntegrationSuccessRateTimeseries": (integrations.success_rate_rows, integrations.FILTERS),
    "getIntegrationLatencyTimeseries": (integrations.latency_rows, integrations.FILTERS),
    "getIntegrationUsageByIntegration": (integrations.by_integration_rows, ("mode", "slug")),
    "getIntegrationUsageByMode": (integrations.by_mode_rows, ("integration_key", "slug")),
    "getIntegrationErrorBreakdown": (integrations.error_breakdown_rows, integrations.FILTERS),
    "getIntegrationDashboard": (integrations.dashboard, integrations.FILTERS),
    **tools.OPERATIONS,
    "getToolDashboard": (tools_dashboard.dashboard, tools_dashboard.FILTERS),
}


def _adapter(worlds: WorldBook, limits: Limits, generate: Generator,
             filters: tuple[str, ...]) -> Callable[[MockRequest], Generated]:
    def respond(request: MockRequest) -> Generated:
        try:
            query = parse_query(request.params, limits, filters)
        except QueryError as exc:
            raise Impossible(str(exc)) from exc
        return Generated(200, generate(worlds.get(request.seed, request.scenario), query))

    respond.__name__ = f"respond_{generate.__name__}"
    return respond


def analytics_responders(worlds: WorldBook, limits: Limits) -> dict[tuple[str, str], Callable[[MockRequest], Generated]]:
    return {("feather", op_id): _adapter(worlds, limits, generate, filters)
            for op_id, (generate, filters) in OPERATIONS.items()}
