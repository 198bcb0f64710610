"""One operation's request validator, built at its first request (``dispatch.Endpoint.validator``).

Errors are collected FastAPI's way: path, then query, then header, then cookie
parameters (each in declaration order), then the body; all problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.http.body import BodyRule
from mockserver.http.form import FormRule
from mockserver.http.media_bodies import MediaBodyRule
from mockserver.http.params import ErrorItem, ParameterRule, compile_parameter
from mockserver.http.schema_check import SchemaCheck
from mockserver.spec.model import Operation
from mockserver.spec.refs import Resolver

__all__ = ["RequestValidator", "ValidRequest"]

_LOCATION_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3}


@dataclass(frozen=True, slots=True)
class ValidRequest:
    params: dict[str, Any]  # every declared parameter, typed, defaults applied
    body: Any
    raw_params: dict[str, list[str]]  # the declared parameters as sent, for fingerprints


class RequestValidator:
    def __init__(self, operation: Operation, resolver: Resolver) -> None:
        params = sorted(operation.parameters, key=lambda p: _LOCATION_ORDER.get(p.location, 9))
        self.rules: tuple[ParameterRule, ...] = tuple(compile_parameter(p, resolver) for p in params)
        components = resolver.document.get("components", {})
        self.param_checks: dict[tuple[str, str], SchemaCheck] = {} if operation.fastapi else {
            (p.location, p.name): SchemaCheck(p.schema, components) for p in params}
        body = operation.body
        self.body_rule: BodyRule | MediaBodyRule | None = None
        self.accepts_json = body is not None and body.json_schema is not None
        if body is not None and not operation.fastapi:
            self.body_rule = MediaBodyRule(body.content, resolver, body.required)
        elif body is not None and body.json_schema is not None:
            self.body_rule = BodyRule(body.json_schema, resolver, body.required)
        self.body_required = body is not None and body.required
        self.form_rule: FormRule | None = None
        if body is not None and operation.fastapi and body.json_schema is None and body.form_schema is not None:
            schema = resolver.deref(body.form_schema)
            self.form_rule = FormRule(tuple(schema.get("required", ())))

    @staticmethod
    def _as_json(rule: ParameterRule, value: Any) -> Any:
        """The typed value as JSON (pydantic picked the branch of a union: ``5`` is the integer of
        ``anyOf [enum, integer]``), for the JSON Schema check of the parameter's other keywords."""
        try:
            return rule.adapter.dump_python(value, mode="json")
        except (ValueError, TypeError):  # a value the type cannot write back: nothing more to check
            return None

    def validate(
        self,
        path_params: dict[str, str],
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw_body: bytes,
        content_type: str | None,
    ) -> ValidRequest | list[ErrorItem]:
        errors: list[ErrorItem] = []
        values: dict[str, Any] = {}
        raw: dict[str, list[str]] = {}
        for rule in self.rules:
            name, location = rule.parameter.name, rule.parameter.location
            if location == "path":
                sent = [path_params[name]] if name in path_params else None
            elif location == "query":
                sent = query.get(name)
            elif location == "header":
                header = headers.get(name.lower())
                sent = [header] if header is not None else None
            else:
                sent = None
            value, problems = rule.validate(sent)
            check = self.param_checks.get((location, name))
            if check is not None and sent and not problems and value is not None:  # formats, keywords beyond the type
                problems = check.errors(self._as_json(rule, value), [location, name])
            values[name] = value
            if sent:
                raw[name] = sent
            errors.extend(problems)
        body: Any = None
        if self.body_rule is not None:
            outcome = self.body_rule.validate(raw_body, content_type)
            body = outcome.value
            errors.extend(outcome.errors)
        elif self.form_rule is not None:
            errors.extend(self.form_rule.validate(raw_body, content_type))
        if errors:
            return errors
        return ValidRequest(values, body, raw)
