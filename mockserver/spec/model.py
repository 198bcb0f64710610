"""The per-operation objects the request path works with.

Everything here is computed once when a contract is loaded, so that handling a
request only looks things up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ErrorStyle",
    "SecurityScheme",
    "Parameter",
    "RequestBody",
    "ResponseSpec",
    "Operation",
]

ErrorStyle = Literal["feather", "weave", "fastapi"]


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """One security scheme an operation accepts, reduced to what a request must carry.

    ``apiKey`` (in a header, the query or a cookie), ``basic``, ``bearer`` (HTTP
    bearer, and OAuth 2 / OpenID Connect, whose tokens arrive as bearer tokens),
    ``http`` (any other HTTP scheme: its name in ``Authorization``), and
    ``mutualTLS`` (a TLS property the sandbox cannot see over plain HTTP: accepted).
    """

    name: str
    kind: Literal["apiKey", "basic", "bearer", "http", "mutualTLS"]
    header: str  # lower-cased header that carries the credential ("" when not a header)
    location: Literal["header", "query", "cookie"] = "header"
    parameter: str = ""  # the query parameter or cookie name (apiKey); the scheme name (http)


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: Literal["query", "path", "header", "cookie"]
    required: bool
    schema: dict[str, Any]  # dereferenced at the top level
    has_default: bool
    default: Any


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    media_types: tuple[str, ...]
    json_schema: dict[str, Any] | None  # the application/json schema, refs unresolved
    form_schema: dict[str, Any] | None = None  # multipart/form-data or urlencoded schema
    content: dict[str, Any] = field(default_factory=dict)  # every declared media type: its media type object


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    status: int
    media_type: str | None  # None for responses without content (e.g. 204)
    schema: dict[str, Any] | None
    examples: dict[str, Any]  # named examples ("example" is stored as "default")


@dataclass(slots=True)
class Operation:
    contract: str
    method: str  # upper case
    path: str  # the template, e.g. /v1/agents/{agent_id}
    operation_id: str
    parameters: tuple[Parameter, ...]
    body: RequestBody | None
    security: tuple[SecurityScheme, ...]  # any one of them suffices; empty = public
    responses: dict[int, ResponseSpec]
    error_style: ErrorStyle
    extras: dict[str, Any] = field(default_factory=dict)
    # Where the contract is not a FastAPI one: the documented response an invalid request gets (422, else 400,
    # else the first 4xx, else ``default`` as 400), in that response's own shape. None: FastAPI's 422.
    invalid_request: ResponseSpec | None = None
    # FastAPI's semantics (lax coercion, Starlette's routing) for contracts FastAPI generated; OpenAPI's own
    # (JSON Schema, every media type by its rules, concrete paths first) for any other: docs/validation.md.
    fastapi: bool = True

    @property
    def success(self) -> ResponseSpec | None:
        """The first documented 2xx response: what the sandbox answers by default."""
        for status in sorted(self.responses):
            if 200 <= status < 300:
                return self.responses[status]
        return None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"
