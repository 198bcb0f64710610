"""The bench's probe (bench/probe.py) times real replies, whole, and counts what it could not get."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from bench.probe import Probe
from bench.wrk import raw_request
from tests.live import free_port, live_server

DASHBOARD = {"path": "/v1/analytics/integrations/dashboard?start_date=2026-03-02&end_date=2026-03-08&granularity=hour",
             "headers": {"x-api-key": "probe"}}


def test_the_probe_times_whole_replies_on_one_connection() -> None:
    with live_server() as (url, _):
        port = urlsplit(url).port
        assert port is not None
        probe = Probe(port, raw_request(DASHBOARD, port), interval=0.02).start()
        time.sleep(1.0)
        seen = probe.stop()
    assert seen["failures"] == 0
    assert seen["requests"] >= 10  # one every 20 ms for a second, the first one generated
    assert 0 < seen["p50_ms"] <= seen["p99_ms"] <= seen["max_ms"]
    # A reply read short would leave bytes behind, and the next reply would not start as one: a failure. The
    # dashboard is tens of KB (many reads); none failed.


def test_replies_other_than_200_are_failures_not_latencies() -> None:
    with live_server() as (url, _):
        port = urlsplit(url).port
        assert port is not None
        unauthenticated = {"path": DASHBOARD["path"], "headers": {}}
        probe = Probe(port, raw_request(unauthenticated, port), interval=0.02).start()
        time.sleep(0.5)
        seen = probe.stop()
    assert seen["requests"] == 0 and seen["failures"] >= 5


def test_a_probe_without_a_server_counts_failures_and_no_latencies() -> None:
    port = free_port()
    probe = Probe(port, raw_request(DASHBOARD, port), interval=0.01).start()
    time.sleep(0.2)
    seen = probe.stop()
    assert seen["requests"] == 0 and seen["failures"] > 0
