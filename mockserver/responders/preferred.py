"""Answers chosen by the client with ``Prefer: code=`` / ``example=`` / ``dynamic=``.

Documented statuses can be forced; a forced error status gets the body the real
service would send for it (the canonical Feather/Weave/FastAPI bodies), and any
other status a value generated from its documented schema. Beyond the contract,
the outages every client must survive can be forced on any operation: 429, 500,
502, 503 and 504 (:data:`OUTAGES`), in the service's error shape, with
``Retry-After`` on 429 and 503. They are the one place the sandbox answers a
status the contract does not list (docs/scenarios.md).
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.http.errors import FEATHER_UNAUTHORIZED
from mockserver.responders.base import Generated, Impossible, MockRequest
from mockserver.responders.generic import respond_from_schema
from mockserver.spec.model import Operation, ResponseSpec

__all__ = ["respond_preferred", "outage", "OUTAGES"]

# status -> (Feather error code, message, Retry-After seconds or None). The 429 body is the one later Feather
# documentation gives for its per-organization rate limit; the others follow the same ErrorResponse shape.
OUTAGES: dict[int, tuple[str, str, int | None]] = {
    429: ("rate_limited", "Organization rate limit exceeded. Retry after a short delay.", 1),
    500: ("internal_error", "An unexpected error occurred. Please try again.", None),
    502: ("bad_gateway", "An upstream service returned an invalid response.", None),
    503: ("service_unavailable", "The service is temporarily unavailable. Retry after a short delay.", 5),
    504: ("gateway_timeout", "An upstream service did not respond in time.", None),
}

ResponderFn = Callable[[MockRequest], Generated]


def _forced_error_body(operation: Operation, status: int) -> Any:
    style = operation.error_style
    if status == 401:
        return FEATHER_UNAUTHORIZED if style == "feather" else {"detail": "Not authenticated"}
    if status == 400:
        message = "The request could not be processed (sandbox: forced with Prefer: code=400)"
        return {"error": "bad_request", "message": message} if style == "feather" else {"reason": message}
    if status == 404:
        return {"detail": "Not Found"}
    if status == 422:
        required = [p for p in operation.parameters if p.required]
        loc = [required[0].location, required[0].name] if required else ["body"]
        return {"detail": [{"type": "missing", "loc": loc, "msg": "Field required", "input": None}]}
    return None


def _documented(operation: Operation) -> str:
    documented = ", ".join(str(status) for status in sorted(operation.responses))
    return f"{documented} (and, on any operation, the outages {', '.join(map(str, OUTAGES))})"


def outage(operation: Operation, status: int) -> Generated:
    """An outage status in the service's error shape (forced by Prefer, or by a scenario's fault rates)."""
    code, message, retry_after = OUTAGES[status]
    body = {"error": code, "message": message} if operation.error_style == "feather" else {"reason": message}
    headers = (("retry-after", str(retry_after)),) if retry_after is not None else ()
    return Generated(status, body, headers)


def _example(spec: ResponseSpec, name: str, operation: Operation) -> Any:
    if name not in spec.examples:
        available = ", ".join(sorted(spec.examples)) or "none"
        raise Impossible(f"Prefer: example={name} is not an example of {operation.key} {spec.status}; "
                         f"available: {available}")
    return spec.examples[name]


def respond_preferred(request: MockRequest, default: ResponderFn, *, code: int | None, example: str | None,
                      dynamic: bool | None) -> Generated:
    operation = request.operation
    success = operation.success
    status = code if code is not None else (success.status if success else 200)
    spec = operation.responses.get(status)
    if spec is None and status in OUTAGES:
        return outage(operation, status)
    if spec is None:
        raise Impossible(f"Prefer: code={status} is not documented for {operation.key}; "
                         f"documented: {_documented(operation)}")
    if example is not None:
        return Generated(status, _example(spec, example, operation))
    if dynamic is False and spec.examples:
        return Generated(status, next(iter(spec.examples.values())))
    if spec is success:
        if dynamic is True and default is respond_from_schema:
            return respond_from_schema(request, use_examples=False)
        return default(request)
    forced = _forced_error_body(operation, status) if status >= 400 else None
    if forced is not None:
        return Generated(status, forced)
    return respond_from_schema(request, use_examples=dynamic is not True, response=spec)
