"""The schema responder: every operation without a dedicated generator.

Answers the first documented 2xx with the contract's example when it has one,
otherwise with a value generated from the response schema. The generators are
seeded from the request fingerprint, so the same request always gets the same
body and different requests get different ones.
"""

from __future__ import annotations

import datetime as dt
import threading

from faker import Faker

from mockserver.responders.base import Generated, MockRequest
from mockserver.responders.coherence import make_coherent
from mockserver.responders.schema_faker import SchemaFaker, fitted
from mockserver.responders.timeseries import is_timeseries, timeseries_rows, window_labels
from mockserver.responders.values import ValueSource
from mockserver.settings import Limits
from mockserver.spec.model import ResponseSpec
from mockserver.world.calendar import utc_text
from mockserver.world.keys import request_seed

__all__ = ["respond_from_schema"]

LIMITS = Limits()  # the documented defaults; analytics windows beyond them are a 400 here too


_per_thread = threading.local()


def thread_faker() -> Faker:
    """One Faker per generation thread: a response re-seeds it, so sharing one across threads would mix streams."""
    faker: Faker | None = getattr(_per_thread, "faker", None)
    if faker is None:
        # use_weighting=False is ~10x faster; it changes the value stream, so it is fixed here.
        faker = _per_thread.faker = Faker("en_US", use_weighting=False)
    return faker


def respond_from_schema(request: MockRequest, *, use_examples: bool = True,
                        response: ResponseSpec | None = None) -> Generated:
    """``response`` picks a documented response other than the success one (``Prefer: code=``)."""
    success = response or request.operation.success
    if success is None:
        return Generated(200, None)
    if success.media_type is None:
        return Generated(success.status, None)
    if use_examples and success.examples:
        return Generated(success.status, next(iter(success.examples.values())))
    if success.schema is None:
        return Generated(success.status, {})
    values = ValueSource(thread_faker(), request_seed(request.seed, request.fingerprint))
    echo: dict[str, object] = dict(request.path_params)
    last = list(request.path_params)[-1:] if request.path_params else []
    if last and (last[0].endswith("_id") or last[0].endswith("Id") or last[0] == "id"):
        # The typed value (petId: integer -> 7), so an integer id field can carry it too.
        echo["__resource_id__"] = request.params.get(last[0], request.path_params[last[0]])
    faker = SchemaFaker(request.resolver, values, echo)
    analytics = request.operation.path.startswith("/v1/analytics/")
    if response is None and is_timeseries(request, []):
        items = request.resolver.deref(success.schema).get("items", {})
        labels = window_labels(request, LIMITS)
        return timeseries_rows(request, lambda i: make_coherent(faker.generate(items), labels), LIMITS)
    if response is None and request.params.get("cursor") is not None and _is_cursor_page(request, success.schema):
        # A generic list is one page (below): it never hands out a cursor, so any cursor is not one of its own.
        return Generated(400, {"error": "invalid_cursor",
                               "message": "The cursor is not valid for this list; start again without one."})
    content = faker.generate(success.schema)
    if analytics:
        content = make_coherent(content, window_labels(request, LIMITS))
    if response is None:
        content = _one_page(_within_page_size(content, request.params))
        content = _echo_body(content, request, success.schema)
    return Generated(success.status, content)


def _is_cursor_page(request: MockRequest, schema: object) -> bool:
    """A cursor page of a contract whose errors are Feather's ``ErrorResponse`` (another contract's list ignores a
    cursor it does not know rather than answering in a shape its contract does not have)."""
    schemas = request.resolver.document.get("components", {}).get("schemas", {})
    properties = request.resolver.deref(schema).get("properties", {}) if isinstance(schema, dict) else {}
    return "ErrorResponse" in schemas and "items" in properties and (
        "next_cursor" in properties or "has_more" in properties)


def _one_page(content: object) -> object:
    """A generated list is the whole list: ``has_more`` false, no ``next_cursor``, a ``total`` that counts the
    items, so walking its pages gives every item once (resources from the world page for real)."""
    if not isinstance(content, dict) or not isinstance(content.get("items"), list):
        return content
    if "has_more" in content:
        content["has_more"] = False
    if "next_cursor" in content:
        content["next_cursor"] = None
    if isinstance(content.get("total"), int) and not isinstance(content.get("total"), bool):
        content["total"] = len(content["items"])
    return content


def _echo_body(content: object, request: MockRequest, schema: object) -> object:
    """Writes are stateless but not forgetful: the fields a JSON body sent come back in the reply's fields of the
    same name where the reply's schema can carry them (name in, the same name out), and the reply's own
    created_at/updated_at are ordered and not after the sandbox clock."""
    if not isinstance(content, dict):
        return content
    properties = request.resolver.deref(schema).get("properties", {}) if isinstance(schema, dict) else {}
    if isinstance(request.body, dict):
        for key, sent in request.body.items():
            if key in properties and key != "id":  # an optional field the generator left out comes back too
                value = _fitted_list(request, properties[key], sent) if isinstance(sent, list) else \
                    fitted(request.resolver, properties[key], sent)
                if value is not None:
                    content[key] = value
        order = {name: i for i, name in enumerate(properties)}  # the schema's order, wherever a field came from
        content = dict(sorted(content.items(), key=lambda item: order.get(item[0], len(order))))
    created, updated = content.get("created_at"), content.get("updated_at")
    if isinstance(created, str) and isinstance(updated, str) and created.endswith("Z") and updated.endswith("Z"):
        now = utc_text(request.now) if isinstance(request.now, dt.datetime) else None
        first, last = sorted((created, updated))
        if now is not None and len(first) == len(now) == len(last):
            first, last = min(first, now), min(last, now)
        content["created_at"], content["updated_at"] = first, last
    return content


def _fitted_list(request: MockRequest, schema: object, sent: list[object]) -> list[object] | None:
    """A list of scalars, echoed where the reply's array field can carry every item and their number."""
    target = request.resolver.deref(schema)
    if not isinstance(target, dict) or target.get("type") != "array" or \
            not target.get("minItems", 0) <= len(sent) <= target.get("maxItems", len(sent)):
        return None
    items = [fitted(request.resolver, target.get("items", {}), item) for item in sent]
    return None if any(item is None for item in items) else items


_PAGE_SIZE_PARAMETERS = ("limit", "per_page", "page_size")


def _within_page_size(content: object, params: dict[str, object]) -> object:
    """A list (or a page's ``items``) no longer than the page size the client asked for."""
    size = next((params[n] for n in _PAGE_SIZE_PARAMETERS if isinstance(params.get(n), int)), None)
    if not isinstance(size, int) or size < 0:
        return content
    if isinstance(content, list):
        return content[:size]
    if isinstance(content, dict) and isinstance(content.get("items"), list):
        return {**content, "items": content["items"][:size]}
    return content
