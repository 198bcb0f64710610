"""The conformance suite's excuses are narrow: they forgive exactly the documented gap."""

from __future__ import annotations

from mockserver.check.gaps import negation_lost_on_the_wire

FREE_TEXT_LIST = {"name": "tags", "in": "query", "schema": {"anyOf": [{"type": "array", "items": {"type": "string"}},
                                                                      {"type": "null"}]}}
UUID = {"name": "source_agent_id", "in": "query",
        "schema": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]}}
TWO = "Invalid component: parameters `source_agent_id`, `tags` in query"


def test_free_text_negation_is_forgiven_and_absent_parameters_do_not_count() -> None:
    assert negation_lost_on_the_wire(TWO, "http://testserver/v1/scenarios?tags=false", [UUID, FREE_TEXT_LIST])
    assert negation_lost_on_the_wire("parameter `tags` in query", "http://t/x?tags=1", [FREE_TEXT_LIST])


def test_a_constrained_parameter_that_was_sent_is_not_forgiven() -> None:
    url = "http://testserver/v1/scenarios?tags=false&source_agent_id=1"
    assert not negation_lost_on_the_wire(TWO, url, [UUID, FREE_TEXT_LIST])


def test_unrelated_failures_and_unknown_parameters_are_not_forgiven() -> None:
    assert not negation_lost_on_the_wire("violates `type` in body", "http://t/x?tags=1", [FREE_TEXT_LIST])
    assert not negation_lost_on_the_wire("parameter `other` in query", "http://t/x", [FREE_TEXT_LIST])


LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "maximum": 5000}}
PETSTORE_TAGS = {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
BOTH = "Invalid component: parameters `limit`, `tags` in query"


def test_a_repeated_scalar_whose_last_value_is_valid_is_forgiven() -> None:
    """A scalar parameter sent several times is read as its last value (docs/validation.md)."""
    assert negation_lost_on_the_wire(BOTH, "http://t/pets?tags=x&limit=%5B%5D&limit=true&limit=4263",
                                     [LIMIT, PETSTORE_TAGS])


def test_a_repeated_scalar_whose_last_value_is_invalid_or_sent_once_is_not_forgiven() -> None:
    assert not negation_lost_on_the_wire(BOTH, "http://t/pets?tags=x&limit=4263&limit=true", [LIMIT, PETSTORE_TAGS])
    assert not negation_lost_on_the_wire(BOTH, "http://t/pets?tags=x&limit=1&limit=9000", [LIMIT, PETSTORE_TAGS])
    assert not negation_lost_on_the_wire(BOTH, "http://t/pets?tags=x&limit=%5B1%5D", [LIMIT, PETSTORE_TAGS])
