"""Validation errors in the contract's own error shape, for contracts that are not FastAPI's.

A contract that documents its own error response (``{"code": ..., "message":
...}``, ``{"error": {...}}``) gets, for a request that fails validation, that
response: its status (422 if documented, else 400, else the first 4xx, else
``default`` as 400) and a body valid against its schema, generated as any
response is, with the real reasons in the fields such schemas keep them in
(``message``, ``detail``, ``error``, ``description``, ``title``, ``reason``,
``msg``) and the status in ``code``/``status``/``status_code`` where those are
integers. FastAPI contracts (Feather, Weave, anything with ``HTTPValidationError``)
keep FastAPI's 422.
"""

from __future__ import annotations

from typing import Any

from mockserver.responders.generic import thread_faker
from mockserver.responders.schema_faker import SchemaFaker, TooLarge, fitted
from mockserver.responders.values import ValueSource
from mockserver.spec.model import ResponseSpec
from mockserver.spec.refs import Resolver

__all__ = ["contract_error_body", "MESSAGE_FIELDS", "STATUS_FIELDS"]

MESSAGE_FIELDS = ("message", "detail", "error", "description", "title", "reason", "msg", "error_description")
STATUS_FIELDS = ("code", "status", "status_code")


def contract_error_body(response: ResponseSpec, resolver: Resolver, reasons: list[str]) -> Any:
    text = "; ".join(reasons) if reasons else "The request is not valid"
    schema = resolver.deref(response.schema)
    values = ValueSource(thread_faker(), 0)  # the same filler for every refusal: only the reasons vary
    try:
        body = SchemaFaker(resolver, values, {}).generate(schema)
    except TooLarge:  # an error schema no bounded body fills: the reasons alone
        return {"detail": text}
    if isinstance(body, str) and fitted(resolver, schema, text) is not None:
        return text
    if not isinstance(body, dict):
        return body
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    for name in MESSAGE_FIELDS:
        if name in properties:
            value = fitted(resolver, properties[name], text)
            if value is not None:
                body[name] = value
                break
    for name in STATUS_FIELDS:
        if name in properties and fitted(resolver, properties[name], response.status) is not None:
            body[name] = response.status
    return body
