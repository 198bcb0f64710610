"""Test oracle: validate a JSON value against a schema of a bundled contract."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from jsonschema import Draft202012Validator

from mockserver.paths import CONTRACTS_DIR


@lru_cache(maxsize=None)
def contract_document(name: str) -> dict[str, Any]:
    return orjson.loads((CONTRACTS_DIR / f"{name}.openapi.json").read_bytes())


def schema_errors(contract: str, schema: dict[str, Any], value: Any) -> list[str]:
    """Every violation of ``schema`` (refs resolved inside the contract), as readable strings."""
    document = contract_document(contract)
    rooted = dict(schema, components=document.get("components", {}))
    validator = Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def response_schema(contract: str, method: str, path: str, status: int) -> dict[str, Any]:
    op = contract_document(contract)["paths"][path][method.lower()]
    return op["responses"][str(status)]["content"]["application/json"]["schema"]
