"""Error bodies, each exactly as the imitated service sends it.

Feather's custom handlers answer 400/401 with ``ErrorResponse {error, message}``;
Weave answers 400 with ``{"reason": ...}`` and 401 with FastAPI's
``{"detail": "Not authenticated"}``; routing errors and 422s are FastAPI's own
everywhere. docs/errors.md is the table of all of them.
"""

from __future__ import annotations

from typing import Any

from mockserver.http.reply import Reply, json_reply
from mockserver.spec.model import ErrorStyle, SecurityScheme

__all__ = [
    "unauthorized",
    "validation_failed",
    "bad_request",
    "not_found",
    "method_not_allowed",
    "payload_too_large",
    "request_timeout",
    "overloaded",
]

FEATHER_UNAUTHORIZED = {
    "error": "authentication_required",
    "message": "No valid API key was provided. Pass your key in the x-api-key header.",
}


def unauthorized(style: ErrorStyle, scheme: SecurityScheme | None, reason: str) -> Reply:
    if style == "feather":
        return json_reply(401, FEATHER_UNAUTHORIZED, reason=reason)
    kind = scheme.kind if scheme else "basic"
    challenge = scheme.parameter.capitalize() if scheme and kind == "http" else \
        {"basic": "Basic", "bearer": "Bearer", "apiKey": "APIKey", "mutualTLS": "Basic"}[kind]
    return json_reply(401, {"detail": "Not authenticated"}, headers=(("www-authenticate", challenge),), reason=reason)


def validation_failed(items: list[dict[str, Any]]) -> Reply:
    first = items[0]
    where = ".".join(str(part) for part in first["loc"])
    return json_reply(422, {"detail": items}, reason=f"{first['type']} at {where}")


def bad_request(style: ErrorStyle, message: str) -> Reply:
    return _styled(style, 400, "bad_request", message)


def not_found() -> Reply:
    return json_reply(404, {"detail": "Not Found"}, reason="no such path")


def method_not_allowed(allow: str) -> Reply:
    return json_reply(405, {"detail": "Method Not Allowed"}, headers=(("allow", allow),), reason="method not allowed")


def _styled(style: ErrorStyle, status: int, code: str, message: str,
            headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A sandbox-limit error in the imitated service's own error shape."""
    if style == "feather":
        body: dict[str, Any] = {"error": code, "message": message}
    elif style == "weave":
        body = {"reason": message}
    else:
        body = {"detail": message}
    return json_reply(status, body, headers=headers, reason=message)


def payload_too_large(style: ErrorStyle, limit: int) -> Reply:
    return _styled(style, 413, "payload_too_large", f"Request body is larger than the sandbox limit of {limit} bytes")


def request_timeout(style: ErrorStyle, seconds: float) -> Reply:
    return _styled(style, 408, "request_timeout", f"Request body did not arrive within {seconds:g} seconds",
                   (("connection", "close"),))


def overloaded(style: ErrorStyle, capacity: int) -> Reply:
    message = f"The sandbox is generating {capacity} responses already; retry in a second"
    return _styled(style, 503, "service_unavailable", message, (("retry-after", "1"),))
