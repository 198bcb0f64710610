"""Loaded by Schemathesis (``SCHEMATHESIS_HOOKS=mockserver.check.hooks``): registers the checks.

The data rules run on every 2xx JSON response; the contract-gap checks replace
the built-in ones they relax (``gaps.REPLACED``), so a faithful implementation of
the real services passes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import schemathesis

from mockserver.check.gaps import TOLERANT
from mockserver.check.rules import broken_rules

for _check in TOLERANT:
    schemathesis.check(_check)


@schemathesis.check
def data_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """The analytics row arithmetic, time buckets and feedback-stats key rules."""
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    url = urlsplit(response.request.url)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    problems = broken_rules(url.path, query, case.body if isinstance(case.body, dict) else None, body)
    if problems:
        raise AssertionError("Data rule broken: " + "; ".join(problems[:5]))
    return None
