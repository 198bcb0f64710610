"""``mockserver check``: the data rules, and whole runs against the sandbox and faulty implementations."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from mockserver.check.rules import broken_rules
from tests.live import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
ESCALATION = "/v1/analytics/sessions/escalation-rate"
WEEK = {"start_date": "2026-03-02", "end_date": "2026-03-08", "granularity": "day"}


def _row(day: int, total: int = 10, escalated: int = 1, rate: float = 10.0) -> dict[str, object]:
    return {"time_bucket": f"2026-03-0{day}T00:00:00Z", "total_sessions": total, "escalated_sessions": escalated,
            "escalation_rate_pct": rate}


def test_a_good_series_keeps_every_rule() -> None:
    assert broken_rules(ESCALATION, WEEK, None, [_row(2), _row(3, 4, 1, 25.0)]) == []


@pytest.mark.parametrize(("rows", "rule"), [
    ([_row(2, 10, 12, 120.0)], "escalated_sessions <= total_sessions"),
    ([_row(2, 10, 1, 50.0)], "escalation_rate_pct = 100 * escalated / total"),
    ([_row(3), _row(2)], "ascend without duplicates"),
    ([_row(2), _row(2)], "ascend without duplicates"),
    ([{**_row(2), "time_bucket": "2026-03-02T00:30:00Z"}], "aligned to the granularity"),
    ([{**_row(2), "time_bucket": "1890-01-01T00:00:00Z"}], "inside the window"),
])
def test_broken_escalation_rows_are_named(rows: list[dict[str, object]], rule: str) -> None:
    assert any(rule in problem for problem in broken_rules(ESCALATION, WEEK, None, rows))


def test_integration_rows() -> None:
    usage = [{"time_bucket": "2026-03-02T00:00:00Z", "invocations": 10, "successful": 8, "vendor_errors": 1, "exceptions": 0}]
    assert "invocations = successful + vendor_errors + exceptions" in broken_rules(
        "/v1/analytics/integrations/usage-timeseries", WEEK, None, usage)[0]
    latency = [{"time_bucket": "2026-03-02T00:00:00Z", "invocations": 3, "p50_ms": 5.0, "p90_ms": 4.0, "p95_ms": 6.0,
                "p99_ms": 7.0, "avg_ms": 5.0, "max_ms": 8.0}]
    assert "p50 <= p90" in broken_rules("/v1/analytics/integrations/latency-timeseries", WEEK, None, latency)[0]
    shares = [{"error_category": "vendor_error", "count": 3, "share_pct": 60.0},
              {"error_category": "exception:X", "count": 2, "share_pct": 30.0}]
    assert "share_pct adds up to 100" in broken_rules("/v1/analytics/integrations/error-breakdown", WEEK, None, shares)[0]


def test_feedback_key_rules() -> None:
    request = {"metrics": [{"json_path": "output.score"}]}
    good = {"granularity": 3600, "buckets": [{"timestamp": "2026-01-05T00:00:00+00:00", "avg_output_score": 0.5,
                                              "count": 3}], "window_stats": {"output_score": {"avg": 0.5}}}
    assert broken_rules("/feedback/stats", {}, request, good) == []
    bad = {"granularity": 3600, "buckets": [{"count": 3, "timestamp": "2026-01-05T00:10:00+00:00", "mean_score": 1}],
           "window_stats": {"output_score": {"count": 3}}}
    problems = " | ".join(broken_rules("/feedback/stats", {}, request, bad))
    for rule in ("start with timestamp", "of a requested metric", "multiples of the granularity", "floats or null"):
        assert rule in problems


def _serve(argv: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    with serving(argv, env) as (url, _):
        yield url


def _check(url: str, *extra: str, examples: int = 5) -> subprocess.CompletedProcess[str]:
    """Each run in a fresh directory: Schemathesis replays examples from ``./.schemathesis``, which would
    make one run's outcome depend on the runs before it."""
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run([sys.executable, "-m", "mockserver", "check", "--base-url", url, "--max-examples",
                               str(examples), "--seed", "1", *extra], cwd=scratch, capture_output=True, text=True,
                              timeout=600)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    yield from _serve([sys.executable, "-m", "mockserver", "serve", "--no-access-log", "--api-key", "k",
                       "--basic-auth", "u:p", "--now", "2026-01-15T12:00:00Z"])


def test_the_sandbox_passes_its_own_checks(sandbox_url: str, tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    feather = _check(sandbox_url, "--api-key", "k", "--operations", "^/v1/analytics/(sessions|integrations)/",
                     "--junit-xml", str(report))
    assert feather.returncode == 0, feather.stdout[-3000:]
    assert report.exists() and "testsuite" in report.read_text()
    weave = _check(sandbox_url, "--contract", "weave", "--basic-auth", "u:p")
    assert weave.returncode == 0, weave.stdout[-3000:]


@pytest.mark.parametrize(("fault", "named"), [
    ("escalated_over_total", "escalated_sessions <= total_sessions"),
    ("drops_field", "escalation_rate_pct"),
    ("accepts_missing_start", "Schema-violating request accepted"),
    ("ignores_auth", "API accepts requests without authentication"),
])
def test_each_fault_is_caught_and_named(fault: str, named: str) -> None:
    for url in _serve([sys.executable, "-m", "uvicorn", "--factory", "tests.faulty_app:app", "--log-level", "warning"],
                      env={"FAULT": fault}):
        # 80 examples: with seed 1, 40 happened to draw no request without start_date when
        # nothing is replayed from a local example database (each run starts from an empty one).
        result = _check(url, "--api-key", "right-key", "--operations", "^/v1/analytics/sessions/escalation-rate$",
                        examples=80)
        assert result.returncode == 1, result.stdout[-3000:]
        assert named in result.stdout
        assert "curl -X GET" in result.stdout, "each failure comes with a curl line"


def test_an_unreachable_target_exits_2() -> None:
    result = _check(f"http://127.0.0.1:{free_port()}", "--api-key", "k")
    assert result.returncode == 2 and "cannot reach" in result.stderr


def test_bad_arguments_exit_2() -> None:
    result = subprocess.run([sys.executable, "-m", "mockserver", "check", "--contract", "nope"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2
