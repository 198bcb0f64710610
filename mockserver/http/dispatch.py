"""The request path, top to bottom: route -> authenticate -> preferences -> validate -> respond -> render.

One raw ASGI callable serves every contract operation. Everything it needs per
operation (validator, responder) was built at startup into an :class:`Endpoint`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl

import orjson

from mockserver.http import errors, process_lane
from mockserver.http.body import BodyParseError, BodyTooDeep
from mockserver.http.cache import ResponseCache, digest
from mockserver.http.deadlines import DeadlineWatch
from mockserver.http.lane import GenerationLane, Overloaded
from mockserver.http.media import render_body
from mockserver.http.media_bodies import MEDIA_TYPE_ERROR
from mockserver.http.params import ErrorItem
from mockserver.http.prefer import Preferences, PreferError, parse_prefer
from mockserver.http.reply import Reply, dump_json, json_reply
from mockserver.http.security import Authenticator
from mockserver.http.validation import RequestValidator, ValidRequest
from mockserver.pinned import PinBoard
from mockserver.responders.base import Generated, Impossible, MockRequest
from mockserver.responders.contract_errors import contract_error_body
from mockserver.responders.preferred import outage, respond_preferred
from mockserver.settings import Limits
from mockserver.spec.model import Operation
from mockserver.spec.refs import Resolver
from mockserver.spec.router import Router
from mockserver.types import Receive, Scope, Send
from mockserver.world.scenarios import Fault

__all__ = ["Endpoint", "Dispatcher", "SystemRoute"]

log = logging.getLogger("mockserver")

SystemRoute = Callable[[], Reply]
ResponderFn = Callable[[MockRequest], Generated]


@dataclass(slots=True)
class Endpoint:
    """An operation with what answers it: its request validator (built at its first request), its responder."""

    operation: Operation
    resolver: Resolver
    responder: ResponderFn
    header_names: tuple[str, ...] = field(init=False)  # the operation's header parameters, lower case
    _validator: RequestValidator | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.header_names = tuple(p.name.lower() for p in self.operation.parameters if p.location == "header")

    @property
    def validator(self) -> RequestValidator:
        """Built at the operation's first request, not at startup: building the pydantic types of all 493
        operations took a third of a second of a one-second startup, for operations a session mostly never
        calls. Two generation threads may build it at once; both build the same, and the contract's shared
        types are built under their own lock (``pydantic_types.ContractTypes``)."""
        found = self._validator
        if found is None:
            found = self._validator = RequestValidator(self.operation, self.resolver)
        return found


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class Dispatcher:
    def __init__(
        self,
        router: Router,
        endpoints: dict[int, Endpoint],
        authenticator: Authenticator,
        system_routes: dict[str, SystemRoute],
        *,
        seed: int,
        scenario: str,
        scenarios: frozenset[str],
        faults: dict[str, tuple[Fault, ...]],
        pins: PinBoard,
        limits: Limits,
        clock: Callable[[], Any],
        frozen_clock: bool = False,
    ) -> None:
        self.router = router
        self.endpoints = endpoints  # by id(operation)
        self.authenticator = authenticator
        self.system_routes = system_routes
        self.seed = seed
        self.scenario = scenario
        self.scenarios = scenarios
        self.faults = faults
        self.pins = pins
        self.max_delay_ms = limits.max_delay_ms
        self.max_body_bytes = limits.max_body_bytes
        self.body_timeout = limits.body_timeout_s
        self.deadlines = DeadlineWatch()
        self.cache = ResponseCache(limits.cache_entries, limits.cache_bytes)
        self.lane: GenerationLane | process_lane.ProcessLane = GenerationLane(limits.generation_threads,
                                                                              limits.generation_queue)
        self.clock = clock
        self.frozen_clock = frozen_clock

    def generate_in_a_child_process(self, close_in_child: tuple[socket.socket, ...] = ()) -> None:
        """Validate and generate in a child process forked now (``http/process_lane.py``) instead of on threads
        beside the event loop: ``server.serve`` calls this before any thread starts. The child has its own
        copy of everything built so far; it keeps no reply cache (the parent keeps the replies), so a request
        equal in meaning to a cached one but not in bytes is generated again there, to the same bytes."""
        threads, waiting = self.lane.threads, self.lane.max_waiting
        self.lane.close()
        operations = [endpoint.operation for endpoint in self.endpoints.values()]
        self.lane = process_lane.fork([self, *operations], threads, waiting, close_in_child=close_in_child,
                                      in_child=self._in_the_child_process)

    def _in_the_child_process(self) -> None:
        self.cache = ResponseCache(0, 0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            self.lane.close()
            return
        if scope["type"] == "websocket":
            await _refuse_websocket(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        try:
            reply, extra = await self.handle(scope, receive)
        except Exception:  # last line of defence: a bug must not become a traceback page
            log.exception("unexpected error on %s %s", method, scope["path"])
            reply, extra = json_reply(500, {"detail": "Internal Server Error"}, reason="sandbox bug, see log"), ()
        # For the access log (mockserver/http/access.py): status, scenario, why a request was refused.
        scope["mockserver.outcome"] = (reply.status, extra[0][1] if extra else "", reply.reason or "")
        await reply.send(send, head_only=method == "HEAD", extra=extra)

    async def handle(self, scope: Scope, receive: Receive) -> tuple[Reply, tuple[tuple[str, str], ...]]:
        """The reply, and the per-request headers to send with it."""
        path: str = scope["path"]
        method: str = scope["method"]
        system = self.system_routes.get(path)
        if system is not None and method in ("GET", "HEAD"):
            return system(), ()
        match = self.router.match(path, method)
        if match is None:
            return errors.not_found(), ()
        operation = match.operation
        if operation is None:
            return errors.method_not_allowed(match.allow), ()
        headers = _headers(scope)
        scheme, refusal = self.authenticator.check(operation.security, headers, scope.get("query_string", b""))
        if refusal is not None:
            return errors.unauthorized(operation.error_style, scheme, refusal), ()
        try:
            prefs = parse_prefer(headers.get("prefer"))
        except PreferError as exc:
            return errors.bad_request(operation.error_style, str(exc)), ()
        scenario = prefs.scenario or self.scenario
        if scenario not in self.scenarios:
            known = ", ".join(sorted(self.scenarios))
            return errors.bad_request(operation.error_style, f"Unknown scenario {scenario!r}; choose one of: {known}"), ()
        seed = self.seed if prefs.seed is None else prefs.seed
        declared_length = headers.get("content-length", "")
        if declared_length.isdigit() and int(declared_length) > self.max_body_bytes:
            return errors.payload_too_large(operation.error_style, self.max_body_bytes), ()  # before reading a byte
        announced = bool(declared_length) or "transfer-encoding" in headers
        try:
            # HTTP/1.1: no Content-Length and no Transfer-Encoding means no body; nothing to wait for.
            raw_body = (await _read_body(receive, self.max_body_bytes, self.body_timeout, self.deadlines)
                        if announced else b"")
        except _TooLarge:
            return errors.payload_too_large(operation.error_style, self.max_body_bytes), ()
        except _TooSlow:
            return errors.request_timeout(operation.error_style, self.body_timeout), ()
        # Identical bytes in, identical bytes out: a repeated request skips validation and generation.
        declared = "\x00".join([headers.get(name, "") for name in self.endpoints[id(operation)].header_names])
        raw_key = digest(method.encode(), path.encode(), scope.get("query_string", b""),
                         headers.get("content-type", "").encode("latin-1"), headers.get("prefer", "").encode("latin-1"),
                         declared.encode("latin-1"), raw_body)
        reply = self.cache.get_raw(raw_key)
        if reply is None:
            try:
                answer, key = await self.lane.run(self._answer, operation, match.path_params, _query(scope), headers,
                                                  raw_body, prefs, seed, scenario, raw_key)
            except Overloaded:
                return errors.overloaded(operation.error_style, self.lane.threads + self.lane.max_waiting), ()
            if key is not None:
                self.cache.put(key, answer, raw_key)
            reply = answer
        delay = None if prefs.delay_ms is None else min(prefs.delay_ms, self.max_delay_ms)
        if delay:
            await asyncio.sleep(delay / 1000)
        extra = [("x-mock-scenario", scenario), ("x-mock-seed", str(seed))]  # the scenario first: __call__ logs it
        applied = prefs.applied(delay)
        if applied:
            extra.append(("preference-applied", applied))
        return reply, tuple(extra)

    def _answer(self, operation: Operation, path_params: dict[str, str], query: dict[str, list[str]],
                headers: dict[str, str], raw_body: bytes, prefs: Preferences, seed: int,
                scenario: str, raw_key: bytes) -> tuple[Reply, bytes | None]:
        """validate -> (cache) -> choose the answer -> render, on a generation thread.

        Also the key to keep the reply under, or ``None`` when it must not be kept.
        """
        endpoint = self.endpoints[id(operation)]
        try:
            outcome = endpoint.validator.validate(path_params, query, headers, raw_body, headers.get("content-type"))
        except (BodyParseError, BodyTooDeep) as exc:
            if operation.fastapi:
                return errors.bad_request(operation.error_style, str(exc)), raw_key
            outcome = [{"type": "body_unreadable", "loc": ["body"], "msg": str(exc), "input": None}]
        if isinstance(outcome, list):
            return _refused(operation, endpoint.resolver, outcome), raw_key
        fingerprint = _fingerprint(operation, outcome, path_params)
        key = digest(orjson.dumps([seed, scenario, prefs.code, prefs.example, prefs.dynamic]), fingerprint)
        cached = self.cache.get(key)
        if cached is not None:
            return cached, key
        request = MockRequest(
            operation=operation,
            resolver=endpoint.resolver,
            params=outcome.params,
            body=outcome.body,
            path_params=path_params,
            seed=seed,
            scenario=scenario,
            fingerprint=fingerprint,
            now=self.clock(),
        )
        pin = None if prefs.code or prefs.example else self.pins.find(operation, outcome.raw_params)
        try:
            fault = None if prefs.code is not None else _fault(self.faults.get(scenario, ()), key)
            if pin is not None:
                generated = Generated(pin.status, pin.body)
            elif fault is not None:
                generated = outage(operation, fault)
            elif prefs.code is not None or prefs.example is not None or prefs.dynamic is not None:
                generated = respond_preferred(request, endpoint.responder, code=prefs.code, example=prefs.example,
                                              dynamic=prefs.dynamic)
            else:
                generated = endpoint.responder(request)
        except Impossible as exc:
            reply, clocked = errors.bad_request(operation.error_style, str(exc)), False
        else:
            reply, clocked = _render(generated, operation), generated.uses_clock
        # An answer that depends on "now" is kept only while "now" cannot move (--now).
        return reply, None if (clocked or _uses_clock(operation, outcome)) and not self.frozen_clock else key


def _refused(operation: Operation, resolver: Resolver, items: list[ErrorItem]) -> Reply:
    """A request that fails validation: FastAPI's 422, or the contract's own error response
    (``responders/contract_errors.py``); an undeclared Content-Type gets the operation's 415 where it has one."""
    response = operation.invalid_request
    if operation.responses.get(415) is not None and any(item["type"] == MEDIA_TYPE_ERROR for item in items):
        response = operation.responses[415]
    if response is None:
        return errors.validation_failed(items)
    reasons = [f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in items]
    if response.schema is None:
        return Reply(response.status, b"", None, reason=reasons[0])
    body, media_type = render_body(contract_error_body(response, resolver, reasons), response.media_type)
    return Reply(response.status, body, media_type, reason=reasons[0])


def _fault(faults: tuple[Fault, ...], key: bytes) -> int | None:
    """The outage this request meets under the scenario's fault rates, if any.

    The draw is the request's own canonical key (seed, scenario, operation,
    parameters, body), read as a number in [0, 1): the same request always meets
    the same fate, on every worker and replica, and a share ``rate`` of distinct
    requests meets each status.
    """
    if not faults:
        return None
    draw = int.from_bytes(key[:8], "big") / 2**64
    for fault in faults:
        if draw < fault.rate:
            return fault.status
        draw -= fault.rate
    return None


def _uses_clock(operation: Operation, outcome: ValidRequest) -> bool:
    """Requests that default to "now" must not be served from cache across time."""
    return isinstance(outcome.body, dict) and operation.contract == "weave" and outcome.body.get("end") is None


def _render(generated: Generated, operation: Operation) -> Reply:
    spec = operation.responses.get(generated.status)
    if generated.content is None and spec is not None and spec.media_type is None:
        return Reply(generated.status, b"", None, generated.headers)
    body, content_type = render_body(generated.content, spec.media_type if spec is not None else None)
    return Reply(generated.status, body, content_type, generated.headers)


def _fingerprint(operation: Operation, outcome: ValidRequest, path_params: dict[str, str]) -> bytes:
    return dump_json([operation.contract, operation.operation_id, path_params, outcome.raw_params, outcome.body],
                     sort_keys=True)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _query(scope: Scope) -> dict[str, list[str]]:
    raw = scope.get("query_string", b"")
    if not raw:
        return {}
    result: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"):
        result.setdefault(key, []).append(value)
    return result


async def _read_body(receive: Receive, limit: int, timeout: float | None, deadlines: DeadlineWatch) -> bytes:
    """The whole body, at most ``limit`` bytes, within ``timeout`` seconds (to within one tick) when one is set."""
    chunks: list[bytes] = []
    size = 0
    task = deadlines.watch(timeout) if timeout is not None else None
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
    except asyncio.CancelledError:
        if task is not None and deadlines.release(task):
            raise _TooSlow from None
        raise
    finally:
        if task is not None:
            deadlines.release(task)
    return b"".join(chunks)


async def _refuse_websocket(receive: Receive, send: Send) -> None:
    """No operation is a WebSocket: close before accepting, which the server answers 403 (as Starlette does)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1000, "reason": ""})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
