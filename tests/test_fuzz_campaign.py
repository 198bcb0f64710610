"""The bad-input campaign's quick subset (``tests/fuzz.py``; ``make fuzz`` runs it in full)."""

from __future__ import annotations

from tests import fuzz
from tests.live import live_server


def test_no_probe_gets_a_server_error_or_hangs() -> None:
    with live_server(fuzz.CAMPAIGN_LIMITS) as (url, _):
        report = fuzz.run(url, full=False)
    assert report.failures == []
    assert report.sent > 250
    assert report.statuses["4xx"] > 200, "the probes are mostly bad requests, and they were answered as such"


def test_every_hardening_class_has_probes() -> None:
    kinds = {probe.kind.split()[0] for probe in fuzz.probes()}
    assert {str(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13)} <= kinds


def test_mutations_are_seeded() -> None:
    first = [p.data for p in fuzz.mutations(50, seed=3)]
    assert first == [p.data for p in fuzz.mutations(50, seed=3)]
    assert first != [p.data for p in fuzz.mutations(50, seed=4)]
