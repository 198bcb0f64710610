"""Which responder answers which operation.

Dedicated generators are registered by ``(contract, operationId)``; everything
else falls back to the schema responder.
"""

from __future__ import annotations

from typing import Callable

from mockserver.responders.base import Generated, MockRequest
from mockserver.responders.generic import respond_from_schema
from mockserver.spec.model import Operation

__all__ = ["ResponderTable"]

ResponderFn = Callable[[MockRequest], Generated]


class ResponderTable:
    def __init__(self, dedicated: dict[tuple[str, str], ResponderFn] | None = None) -> None:
        self._dedicated = dict(dedicated or {})

    def for_operation(self, operation: Operation) -> ResponderFn:
        return self._dedicated.get((operation.contract, operation.operation_id), respond_from_schema)

    def dedicated(self) -> list[tuple[str, str]]:
        return sorted(self._dedicated)
