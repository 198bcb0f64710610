"""What every responder receives and may raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from mockserver.spec.model import Operation
from mockserver.spec.refs import Resolver

__all__ = ["MockRequest", "Impossible", "Generated", "Responder"]


@dataclass(frozen=True, slots=True)
class MockRequest:
    """A request that passed validation, as generators see it."""

    operation: Operation
    resolver: Resolver
    params: dict[str, Any]
    body: Any
    path_params: dict[str, str]
    seed: int  # the world seed in force (server default or Prefer: seed=)
    scenario: str
    fingerprint: bytes  # canonical bytes of (operation, parameters, body): same request, same bytes
    now: Any = None  # the sandbox clock (aware datetime) resolved for this request


class Impossible(Exception):
    """A well-formed request that cannot be answered (e.g. start after end): a 400."""


@dataclass(frozen=True, slots=True)
class Generated:
    status: int
    content: Any  # JSON-able; None for responses without a body
    headers: tuple[tuple[str, str], ...] = ()  # e.g. Retry-After on a forced 429/503
    uses_clock: bool = False  # the answer depends on the sandbox clock: kept in the reply cache only if it is frozen


class Responder(Protocol):
    def __call__(self, request: MockRequest) -> Generated: ...


ResponderFactory = Callable[..., Responder]
