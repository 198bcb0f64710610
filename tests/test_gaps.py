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
