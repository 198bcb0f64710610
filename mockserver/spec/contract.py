"""Reading an OpenAPI 3.x document (JSON or YAML) into :class:`Operation` objects.

A 3.0 document is read with 3.0 rules (``openapi30.py``); every problem that
would otherwise surface on some later request is found now (``checks.py``) and
reported as one line naming the file and the place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from mockserver.spec.checks import ContractProblem, check_document, pointer
from mockserver.spec.examples import ExampleChecker
from mockserver.spec.model import (
    ErrorStyle,
    Operation,
    Parameter,
    RequestBody,
    ResponseSpec,
    SecurityScheme,
)
from mockserver.spec.openapi30 import is_openapi30, upgrade_to_31
from mockserver.spec.refs import Resolver

__all__ = ["Contract", "ContractError", "load_contract"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class ContractError(Exception):
    """A contract file that cannot be served; the message names the file and the problem."""


@dataclass(slots=True)
class Contract:
    name: str  # file stem without ".openapi", e.g. "feather"
    path: Path
    raw: bytes  # served back verbatim at /openapi/<name>.json
    document: dict[str, Any]
    resolver: Resolver
    operations: list[Operation]
    error_style: ErrorStyle
    warnings: list[str]  # problems that do not stop serving (said at startup)


def load_contract(path: Path) -> Contract:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContractError(f"{path}: cannot read contract ({exc.strerror})") from exc
    document = _parse(path, raw)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise ContractError(f"{path}: not an OpenAPI 3.x document (no 'openapi: 3.x' at the top)")
    if is_openapi30(document):
        document = upgrade_to_31(document)
    try:
        warnings = check_document(document)
    except ContractProblem as problem:
        raise ContractError(f"{path}: {problem}") from None
    name = path.name.split(".")[0]
    resolver = Resolver(document)
    style = _error_style(document)
    schemes = _security_schemes(document, path, warnings)
    checker = ExampleChecker(document)
    operations = []
    for template, item in document.get("paths", {}).items():
        shared_params = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            try:
                operations.append(
                    _operation(name, method, template, op, shared_params, resolver, schemes, document, style,
                               checker, warnings)
                )
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a shape the checks did not foresee
                raise ContractError(f"{path}: {pointer('paths', template, method)}: cannot read this operation "
                                    f"({type(exc).__name__}: {exc})") from None
    return Contract(name, path, raw, document, resolver, operations, style, _condensed(warnings))


def _condensed(warnings: list[str], shown: int = 5) -> list[str]:
    """At most ``shown`` lines about invalid examples, then their count: a large public contract can have hundreds."""
    examples = [w for w in warnings if ": example " in w and "generated data is served instead" in w]
    if len(examples) <= shown:
        return warnings
    hidden = set(examples[shown:])
    kept = [w for w in warnings if w not in hidden]
    kept.append(f"... and {len(hidden)} more response examples that do not match their schemas "
                "(generated data is served instead)")
    return kept


def _parse(path: Path, raw: bytes) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ContractError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ContractError(f"{path}: not valid JSON ({exc})") from exc


def _error_style(document: dict[str, Any]) -> ErrorStyle:
    """Which real service's error bodies this contract's operations imitate.

    A contract may say so with a root ``x-mockserver-error-style`` (the bundled
    Weave contract does); Feather is recognised by its ``ErrorResponse {error,
    message}``; anything else gets FastAPI's defaults.
    """
    declared = document.get("x-mockserver-error-style")
    if declared in ("feather", "weave", "fastapi"):
        return declared  # type: ignore[no-any-return]
    props = document.get("components", {}).get("schemas", {}).get("ErrorResponse", {}).get("properties", {})
    if "error" in props and "message" in props:
        return "feather"
    return "fastapi"


def _security_schemes(document: dict[str, Any], path: Path, warnings: list[str]) -> dict[str, SecurityScheme]:
    """Every scheme type of OpenAPI 3.0/3.1; what the sandbox checks of each is said at startup when it is less
    than the scheme implies (docs/contracts.md, "Credentials")."""
    result = {}
    for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
        kind = scheme.get("type")
        http_scheme = str(scheme.get("scheme", "")).lower()
        if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
            where = scheme["in"]
            result[name] = SecurityScheme(name, "apiKey", scheme["name"].lower() if where == "header" else "", where,
                                          scheme["name"])
        elif kind == "http" and http_scheme == "basic":
            result[name] = SecurityScheme(name, "basic", "authorization")
        elif kind == "http" and http_scheme == "bearer":
            result[name] = SecurityScheme(name, "bearer", "authorization")
        elif kind == "http" and http_scheme:
            result[name] = SecurityScheme(name, "http", "authorization", parameter=http_scheme)
            warnings.append(f"security scheme {name!r} (HTTP {http_scheme}): an Authorization header with that "
                            "scheme and any credentials is accepted")
        elif kind in ("oauth2", "openIdConnect"):
            result[name] = SecurityScheme(name, "bearer", "authorization")
            warnings.append(f"security scheme {name!r} ({kind}): a Bearer token is required; no flow is run, so any "
                            "token is accepted unless --bearer-token names them")
        elif kind == "mutualTLS":
            result[name] = SecurityScheme(name, "mutualTLS", "")
            warnings.append(f"security scheme {name!r} (mutualTLS): not checked (the sandbox serves plain HTTP)")
        else:
            raise ContractError(f"{path}: security scheme {name!r} has an unknown type {kind!r} or no 'in'/'scheme'")
    return result


def _operation(
    contract: str,
    method: str,
    template: str,
    op: dict[str, Any],
    shared_params: list[dict[str, Any]],
    resolver: Resolver,
    schemes: dict[str, SecurityScheme],
    document: dict[str, Any],
    style: ErrorStyle,
    checker: ExampleChecker,
    warnings: list[str],
) -> Operation:
    params: dict[tuple[str, str], Parameter] = {}
    for raw in [*shared_params, *op.get("parameters", [])]:
        spec = resolver.deref(raw)
        schema = resolver.deref(spec.get("schema", {}))
        location = spec["in"]
        params[(spec["name"], location)] = Parameter(
            name=spec["name"],
            location=location,
            required=bool(spec.get("required", location == "path")),
            schema=schema,
            has_default="default" in schema,
            default=schema.get("default"),
        )
    body = None
    if "requestBody" in op:
        rb = resolver.deref(op["requestBody"])
        content = rb.get("content", {})
        json_schema = content.get("application/json", {}).get("schema")
        form = content.get("multipart/form-data") or content.get("application/x-www-form-urlencoded") or {}
        body = RequestBody(bool(rb.get("required", False)), tuple(content), json_schema, form.get("schema"),
                           {k: v for k, v in content.items() if isinstance(v, dict)})
    requirements = op.get("security", document.get("security", []))
    security = tuple(schemes[name] for req in requirements for name in req if name in schemes)
    responses = {}
    for status, raw in op.get("responses", {}).items():
        if not status.isdigit():
            continue
        resp = resolver.deref(raw)
        content = resp.get("content", {})
        media = "application/json" if "application/json" in content else next(iter(content), None)
        media_obj = content.get(media, {}) if media else {}
        examples = {k: resolver.deref(v).get("value") for k, v in media_obj.get("examples", {}).items()}
        if "example" in media_obj:
            examples.setdefault("default", media_obj["example"])
        examples = checker.keep_valid(media_obj.get("schema"), examples, f"{method.upper()} {template} {status}",
                                      warnings)
        responses[int(status)] = ResponseSpec(int(status), media, media_obj.get("schema"), examples)
    operation_id = op.get("operationId") or f"{method}_{template}"
    fastapi = _speaks_fastapi(document, style)
    invalid = None if fastapi else _invalid_request_response(op, responses, resolver)
    return Operation(
        contract=contract,
        method=method.upper(),
        path=template,
        operation_id=operation_id,
        parameters=tuple(params.values()),
        body=body,
        security=security,
        responses=responses,
        error_style=style,
        invalid_request=invalid,
        fastapi=fastapi,
    )


def _speaks_fastapi(document: dict[str, Any], style: ErrorStyle) -> bool:
    """Feather and Weave (and any contract FastAPI generated: it has HTTPValidationError) answer FastAPI's 422."""
    schemas = document.get("components", {}).get("schemas", {})
    return style != "fastapi" or "HTTPValidationError" in schemas or document.get("x-mockserver-error-style") == "fastapi"


def _invalid_request_response(op: dict[str, Any], responses: dict[int, ResponseSpec],
                              resolver: Resolver) -> ResponseSpec | None:
    for status in (422, 400, *sorted(s for s in responses if 400 <= s < 500)):
        spec = responses.get(status)
        if spec is not None:  # without a schema: the status alone, with no body
            return spec
    default = op.get("responses", {}).get("default")
    if default is not None:
        content = resolver.deref(default).get("content", {})
        media = "application/json" if "application/json" in content else next(iter(content), None)
        schema = content.get(media, {}).get("schema") if media else None
        if schema is not None and media is not None and "json" in media:
            return ResponseSpec(400, media, schema, {})
    return None
