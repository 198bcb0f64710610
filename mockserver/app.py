"""create_app(settings): contracts -> per-operation endpoints -> the ASGI stack."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Callable

from starlette.middleware.cors import CORSMiddleware

from mockserver.http.access import AccessLog
from mockserver.http.dispatch import Dispatcher, Endpoint, SystemRoute
from mockserver.http.reply import Reply, json_reply
from mockserver.http.security import Authenticator, Credentials
from mockserver.pinned import load_pins
from mockserver.resources.conversations import conversation_responders
from mockserver.resources.handoffs import handoff_responders
from mockserver.resources.responder import resource_responders
from mockserver.responders.analytics import analytics_responders
from mockserver.responders.base import Generated, MockRequest
from mockserver.responders.entity_names import CatalogNames
from mockserver.responders.feedback import feedback_responders
from mockserver.responders.generic import respond_from_schema
from mockserver.responders.preferred import OUTAGES
from mockserver.responders.registry import ResponderTable
from mockserver.settings import Settings
from mockserver.spec.contract import Contract, load_contract
from mockserver.spec.router import Router
from mockserver.types import ASGIApp, Receive, Scope, Send
from mockserver.world.scenarios import load_scenarios
from mockserver.world.world import WorldBook

__all__ = ["create_app", "build_dispatcher", "SandboxApp"]

log = logging.getLogger("mockserver")

LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
CORS_HEADERS = ["x-api-key", "authorization", "content-type", "prefer"]
EXPOSED_HEADERS = ["preference-applied", "x-mock-scenario", "x-mock-seed"]


def build_dispatcher(settings: Settings, responders: ResponderTable | None = None) -> Dispatcher:
    contracts = [load_contract(path) for path in settings.specs]
    worlds = WorldBook(settings.fixtures / "catalog.yaml", load_scenarios(settings.fixtures / "scenarios"))
    if settings.scenario not in worlds.scenarios:
        raise ValueError(f"unknown scenario {settings.scenario!r}; choose one of: {', '.join(sorted(worlds.scenarios))}")
    for scenario in worlds.scenarios.values():
        for fault in scenario.faults:
            if fault.status not in OUTAGES:
                raise ValueError(f"{scenario.source}: fault status {fault.status} is not one of "
                                 f"{', '.join(map(str, OUTAGES))}")
    responders = responders or default_responders(settings, worlds, contracts)
    operations = [op for contract in contracts for op in contract.operations]
    endpoints = {}
    for contract in contracts:
        for op in contract.operations:
            endpoints[id(op)] = Endpoint(op, contract.resolver, responders.for_operation(op))
    pins = load_pins(settings.fixtures / "pinned", contracts)
    for warning in [w for contract in contracts for w in (f"{contract.path}: {x}" for x in contract.warnings)]:
        log.warning("%s", warning)
    for warning in pins.warnings:
        log.warning("%s", warning)
    return Dispatcher(
        Router(operations),
        endpoints,
        Authenticator(Credentials(settings.api_keys, settings.basic_auth, settings.bearer_tokens)),
        _system_routes(contracts, worlds),
        seed=settings.seed,
        scenario=settings.scenario,
        scenarios=frozenset(worlds.scenarios),
        faults={name: scenario.faults for name, scenario in worlds.scenarios.items() if scenario.faults},
        pins=pins,
        limits=settings.limits,
        clock=_clock(settings),
        frozen_clock=settings.now is not None,
    )


def default_responders(settings: Settings, worlds: WorldBook, contracts: list[Contract]) -> ResponderTable:
    """The dedicated generators and the catalog's resources; every other operation gets the schema responder."""
    dedicated = analytics_responders(worlds, settings.limits)
    dedicated.update(feedback_responders(settings.fixtures / "feedback.yaml", worlds))
    dedicated.update(resource_responders(contracts, worlds.catalog))
    dedicated.update(conversation_responders(contracts, worlds))
    dedicated.update(handoff_responders(contracts, worlds))
    names = CatalogNames(worlds.catalog)
    for contract in contracts:  # the analytics the world does not generate yet still name the world's entities
        for operation in contract.operations:
            key = (contract.name, operation.operation_id)
            if operation.path.startswith("/v1/analytics/") and key not in dedicated:
                dedicated[key] = _catalog_named(names)
    return ResponderTable(dedicated)


def _catalog_named(names: CatalogNames) -> Callable[[MockRequest], Generated]:
    def respond(request: MockRequest) -> Generated:
        return names.respond(respond_from_schema(request), request)

    return respond


class SandboxApp:
    """The ASGI app: browsers' requests (they send ``Origin``) through CORS, everything else straight in.

    The CORS layer costs a fifth of a cached request, so requests without ``Origin`` skip it.
    """

    def __init__(self, dispatcher: Dispatcher, settings: Settings) -> None:
        self.dispatcher = dispatcher
        self._cors = CORSMiddleware(
            dispatcher,
            allow_origins=list(settings.cors_origins),
            allow_origin_regex=LOCAL_ORIGINS,
            allow_methods=["*"],
            allow_headers=CORS_HEADERS,
            expose_headers=EXPOSED_HEADERS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(key == b"origin" for key, _ in scope["headers"]):
            await self._cors(scope, receive, send)
        else:
            await self.dispatcher(scope, receive, send)


def create_app(settings: Settings | None = None) -> ASGIApp:
    """The sandbox as an ASGI app: serve it with any ASGI server, or test it in-process (README, "In tests")."""
    return create_served_app(settings or Settings())[0]


def create_served_app(settings: Settings) -> tuple[ASGIApp, Callable[[socket.socket], None]]:
    """The app, and what ``mockserver serve`` runs in each serving process before it serves (``server.serve``):
    with ``settings.generation == "process"`` (and a system that can fork), move validation and generation into
    a child process (``http/process_lane.py``); the listening socket is closed in that child."""
    dispatcher = build_dispatcher(settings)
    app = SandboxApp(dispatcher, settings)
    served = AccessLog(app, settings.scenario) if settings.access_log else app

    def before_serving(sock: socket.socket) -> None:
        if settings.generation == "process" and hasattr(os, "fork"):
            dispatcher.generate_in_a_child_process(close_in_child=(sock,))

    return served, before_serving


def _clock(settings: Settings) -> Callable[[], dt.datetime]:
    frozen = settings.now
    if frozen is not None:
        return lambda: frozen
    return lambda: dt.datetime.now(dt.timezone.utc)


def _constant(reply: Reply) -> SystemRoute:
    return lambda: reply


def _system_routes(contracts: list[Contract], worlds: WorldBook) -> dict[str, SystemRoute]:
    health = json_reply(200, {"status": "ok"})
    listing = json_reply(200, {"scenarios": [{"name": s.name, "description": s.description}
                                             for s in sorted(worlds.scenarios.values(), key=lambda s: s.name)]})
    routes: dict[str, SystemRoute] = {"/healthz": lambda: health, "/_mock/scenarios": lambda: listing}
    for contract in contracts:
        routes[f"/openapi/{contract.name}.json"] = _constant(Reply(200, contract.raw, "application/json"))
    return routes
