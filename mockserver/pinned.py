"""Pinned responses (``mockserver/fixtures/pinned/*.yaml``): exact bodies for UI snapshot tests.

A pin names an operation (``GET /v1/...`` or its operationId) and the exact set of
query/path parameters it applies to (a request sending more or fewer does not match),
and gives the status and body to return. Bodies are
validated against the contract when loaded; a bad file stops startup with a
message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from mockserver.spec.contract import Contract
from mockserver.spec.model import Operation

__all__ = ["Pin", "PinnedError", "PinBoard", "load_pins"]


class PinnedError(Exception):
    """A pinned-response file that cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class Pin:
    source: Path
    params: dict[str, str]
    status: int
    body: Any

    def matches(self, sent: dict[str, list[str]]) -> bool:
        """Exactly these parameters, with these values: a pin never answers a different question."""
        return sent.keys() == self.params.keys() and all(sent[k][-1] == v for k, v in self.params.items())


class PinBoard:
    def __init__(self, pins: dict[int, list[Pin]], warnings: list[str] | None = None) -> None:
        self._pins = pins  # by id(operation)
        self.warnings = warnings or []  # pins skipped: their operation is not served

    def find(self, operation: Operation, sent: dict[str, list[str]]) -> Pin | None:
        for pin in self._pins.get(id(operation), ()):
            if pin.matches(sent):
                return pin
        return None

    def __len__(self) -> int:
        return sum(len(p) for p in self._pins.values())


def load_pins(directory: Path, contracts: list[Contract]) -> PinBoard:
    """Every pin in ``directory``; a pin for an operation the served contracts lack is skipped with a warning
    (the bundled pins name Feather operations, and ``--spec`` may serve another contract)."""
    pins: dict[int, list[Pin]] = {}
    warnings: list[str] = []
    if not directory.is_dir():
        return PinBoard(pins)
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("expected a mapping with operation, params, status and body")
            found = _operation(str(raw["operation"]), contracts)
            status = int(raw.get("status", 200))
            params = raw.get("params") or {}
            if not isinstance(params, dict):
                raise ValueError(f"params must be a mapping of parameter name to value, not {type(params).__name__}")
            params = {str(k): _text(v) for k, v in params.items()}
            body = raw["body"]
        except KeyError as exc:
            raise PinnedError(f"{path}: missing {exc}") from exc
        except (OSError, UnicodeDecodeError, yaml.YAMLError, TypeError, ValueError) as exc:
            raise PinnedError(f"{path}: {' '.join(str(exc).split())}") from exc
        if found is None:
            warnings.append(f"{path}: skipped, no operation {raw['operation']!r} in the served contracts")
            continue
        contract, operation = found
        _check_body(path, contract, operation, status, body)
        pins.setdefault(id(operation), []).append(Pin(path, params, status, body))
    return PinBoard(pins, warnings)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _operation(name: str, contracts: list[Contract]) -> tuple[Contract, Operation] | None:
    """The operation named ``GET /path/{template}`` or by its operationId."""
    for contract in contracts:
        for op in contract.operations:
            if name in (op.operation_id, op.key):
                return contract, op
    return None


def _check_body(path: Path, contract: Contract, operation: Operation, status: int, body: Any) -> None:
    spec = operation.responses.get(status)
    if spec is None:
        raise PinnedError(f"{path}: status {status} is not documented for {operation.key}")
    if spec.schema is None:
        return
    rooted = dict(spec.schema, components=contract.document.get("components", {}))
    validator = Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise PinnedError(f"{path}: body does not match the {operation.key} {status} schema at {where}: {first.message}")
