"""Schemathesis against the in-process sandbox: every operation, positive and negative data.

Keys are configured so the ``ignored_auth`` check can catch a sandbox that lets
wrong credentials through. ``MOCKSERVER_ST_EXAMPLES`` raises the example count
(CI uses more than a local ``make test``).
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Config

from mockserver.app import create_app
from mockserver.check.gaps import REPLACED, TOLERANT
from mockserver.settings import Settings
from tests.conftest import API_KEY, BASIC, NOW

EXAMPLES = int(os.environ.get("MOCKSERVER_ST_EXAMPLES", "4"))

app = create_app(Settings(access_log=False, now=NOW, api_keys=frozenset({API_KEY}), basic_auth=frozenset({BASIC})))

# 400 is a valid answer to schema-valid analytics requests that are impossible (start after end,
# ranges over the limits): documented in docs/errors.md.
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "404", "409", "429"]}}}

feather = schemathesis.openapi.from_asgi("/openapi/feather.json", app, config=Config.from_dict(CONFIG))
feather.config.update(headers={"x-api-key": API_KEY})

weave = schemathesis.openapi.from_asgi("/openapi/weave.json", app, config=Config.from_dict(CONFIG))
weave.config.update(basic_auth=BASIC)

SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=list(HealthCheck))


@feather.parametrize()
@SETTINGS
def test_feather(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=REPLACED, additional_checks=TOLERANT)


@weave.parametrize()
@settings(max_examples=max(EXAMPLES, 40), deadline=None, suppress_health_check=list(HealthCheck))
def test_weave(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=REPLACED, additional_checks=TOLERANT)
