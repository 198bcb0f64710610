"""Where the Feather contract and the real service disagree, and the sandbox follows the service.

Each excuse names one documented gap (docs/errors.md, "Contract gaps"); a
Schemathesis check is run as usual unless its failure is exactly that gap.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from jsonschema import Draft202012Validator
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from mockserver.http.validation import RequestValidator, ValidRequest
from mockserver.paths import BUNDLED_CONTRACTS
from mockserver.spec.contract import load_contract
from mockserver.spec.model import Operation
from mockserver.spec.router import Router

Check = Callable[[Any, Any, Any], Any]
_CONTRACTS = [load_contract(path) for path in BUNDLED_CONTRACTS]
_ROUTER = Router([op for contract in _CONTRACTS for op in contract.operations])
_RESOLVERS = {id(op): contract.resolver for contract in _CONTRACTS for op in contract.operations}
_VALIDATORS: dict[int, RequestValidator] = {}


def _validator(operation: Operation) -> RequestValidator:
    found = _VALIDATORS.get(id(operation))
    if found is None:
        found = _VALIDATORS[id(operation)] = RequestValidator(operation, _RESOLVERS[id(operation)])
    return found


def _documented(case: Any) -> dict[str, Any]:
    return case.operation.definition.raw.get("responses", {})


def _request_path(response: Any) -> str:
    return urlsplit(response.request.url).path


def _undocumented_but_real(response: Any, case: Any) -> bool:
    """401 on secured operations that omit it; FastAPI's 400 for a body that is not text; the service's error
    handlers' 404 for an id it does not hold and 400 for a cursor it did not hand out, where the operation omits
    them (listV2Conversations, getV2Conversation)."""
    if str(response.status_code) in _documented(case):
        return False
    if response.status_code in (400, 404) and b'"error":"' in response.content:
        code = response.json().get("error")
        if (response.status_code, code) in ((404, "not_found"), (400, "invalid_cursor")):
            return True
    return response.status_code == 401 or (response.status_code == 400 and b"error parsing the body" in response.content)


def _overlapping_templates(response: Any, case: Any) -> bool:
    """The URL also matches another template that serves this method (e.g. /x/reprovision vs /x/{id})."""
    match = _ROUTER.match(_request_path(response), response.request.method)
    return match is not None and match.operation is not None


def _several_templates(path: str) -> bool:
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
    templates = {m.item.template for m in (_ROUTER.match(path, method) for method in methods) if m and m.operation}
    return len(templates) > 1


def _validation_error_on_custom_422(response: Any, case: Any) -> bool:
    """An operation documents its own 422 body; request validation still answers FastAPI's."""
    if response.status_code != 422:
        return False
    schema = str(_documented(case).get("422", ""))
    return "HTTPValidationError" not in schema and isinstance(response.json().get("detail"), list)


def _lax_mode_accepts(response: Any, case: Any) -> bool:
    """FastAPI validates in pydantic's lax mode: ``"7"``, ``true`` and ``7.0`` are an int, ``1`` a bool, a
    number a date-time, so the service accepts data a JSON Schema validator refuses. The contract's own types,
    validated as FastAPI validates them (docs/validation.md), decide whether the service accepts this request."""
    if response.status_code >= 300:
        return False
    request = response.request
    url = urlsplit(str(request.url))
    match = _ROUTER.match(unquote(url.path), str(request.method).upper())
    if match is None or match.operation is None or id(match.operation) not in _RESOLVERS:
        return False
    headers = {str(k).lower(): str(v) for k, v in request.headers.items()}
    body = request.body if hasattr(request, "body") else getattr(request, "content", b"")
    raw = body.encode() if isinstance(body, str) else bytes(body or b"")
    outcome = _validator(match.operation).validate(match.path_params, parse_qs(url.query, keep_blank_values=True),
                                                   headers, raw, headers.get("content-type"))
    return isinstance(outcome, ValidRequest)


def _negated_file_part(response: Any, case: Any) -> bool:
    """A multipart file part cannot carry JSON null: Schemathesis's "null" file is a valid upload on the wire."""
    return "multipart/form-data" in str(case.media_type or "") and response.status_code < 300


def _cross_field_rule(response: Any, case: Any) -> bool:
    """Weave's model validators (end before start, over 31 days) reject schema-valid bodies with 422."""
    if response.status_code != 422:
        return False
    detail = response.json().get("detail")
    return isinstance(detail, list) and len(detail) == 1 and detail[0].get("loc") == ["body"] and \
        detail[0].get("msg", "").startswith("Value error, Feedback request")


_QUERY_NEGATION = re.compile(r"parameters? ((?:`[^`]+`(?:, )?)+) in query")


def _any_text_accepted(schema: dict[str, Any]) -> bool:
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        kind = branch.get("type")
        target = branch.get("items", {}) if kind == "array" else branch
        if target.get("type") == "string" and not set(target) & {"pattern", "enum", "format", "minLength", "maxLength"}:
            return True
    return False


def negation_lost_on_the_wire(message: str, url: str, parameters: list[dict[str, Any]]) -> bool:
    """Every "negated" query parameter was sent as valid text, or not sent at all.

    A query value is text on the wire: ``tags=false`` is the one-item list
    ``["false"]``, and a negated value that serialises to nothing leaves an
    optional parameter absent. Neither is a request the sandbox should reject.
    """
    named = _QUERY_NEGATION.search(message)
    if named is None:
        return False
    sent = parse_qs(urlsplit(url).query, keep_blank_values=True)
    schemas = {p.get("name"): p.get("schema", {}) for p in parameters if p.get("in") == "query"}
    names = re.findall(r"`([^`]+)`", named.group(1))
    return all(name in schemas and (name not in sent or _any_text_accepted(schemas[name])
                                    or _repeated_with_a_valid_last_value(schemas[name], sent[name]))
               for name in names)


def _repeated_with_a_valid_last_value(schema: dict[str, Any], values: list[str]) -> bool:
    """A scalar parameter sent several times (Schemathesis's "became array") is read as its last value
    (docs/validation.md), so the request is valid when that value is."""
    branches = schema.get("anyOf", schema.get("oneOf", [schema]))
    if len(values) < 2 or any(branch.get("type") in ("array", "object") for branch in branches):
        return False
    return any(_text_fits(branch, values[-1]) for branch in branches)


def _text_fits(schema: dict[str, Any], text: str) -> bool:
    """Whether query text read as the schema's type (integer, number, boolean or string) satisfies it."""
    kind = schema.get("type", "string")
    value: Any = text
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", text):
            return False
        value = int(text)
    elif kind == "number":
        try:
            value = float(text)
        except ValueError:
            return False
        if not math.isfinite(value):
            return False
    elif kind == "boolean":
        if text not in ("true", "false"):
            return False
        value = text == "true"
    elif kind != "string":
        return False
    try:
        return bool(Draft202012Validator(schema).is_valid(value))
    except Exception:  # an OpenAPI 3.0 keyword JSON Schema 2020-12 reads otherwise: not forgiven
        return False


def _negation_valid_as_text(check: Check) -> Check:
    def tolerant(ctx: Any, response: Any, case: Any) -> Any:
        try:
            return check(ctx, response, case)
        except Exception as failure:
            parameters = case.operation.definition.raw.get("parameters", [])
            if negation_lost_on_the_wire(str(failure), str(response.request.url), parameters):
                return None
            raise

    tolerant.__name__ = f"{check.__name__}_with_text_parameters"
    return tolerant


def _tolerating(check: Check, excuse: Callable[[Any, Any], bool]) -> Check:
    def tolerant(ctx: Any, response: Any, case: Any) -> Any:
        if excuse(response, case):
            return None
        return check(ctx, response, case)

    tolerant.__name__ = f"{check.__name__}_with_documented_gaps"
    return tolerant


REPLACED = [status_code_conformance, unsupported_method, allow_header_conformance, response_schema_conformance,
            negative_data_rejection, positive_data_acceptance]
TOLERANT = [
    _tolerating(status_code_conformance, _undocumented_but_real),
    _tolerating(unsupported_method, _overlapping_templates),
    _tolerating(allow_header_conformance, lambda response, case: _several_templates(_request_path(response))),
    _tolerating(response_schema_conformance, _validation_error_on_custom_422),
    _negation_valid_as_text(_tolerating(negative_data_rejection,
                                        lambda response, case: _negated_file_part(response, case)
                                        or _lax_mode_accepts(response, case))),
    _tolerating(positive_data_acceptance, _cross_field_rule),
]
