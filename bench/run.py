"""``make bench``: load, generation, startup and memory, written to docs/benchmarks.md.

Everything runs on 127.0.0.1, bounded in time: each load run lasts
BENCH_SECONDS (default 10) with BENCH_CONNECTIONS (default 50) connections.
The server under test and the load generator are separate processes.
Set BENCH_PRISM=0 to skip the Prism comparison (it needs Node and npm).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
PRISM_VERSION = "5.14.2"
NOW = "2026-01-15T12:00:00Z"
KEY = {"x-api-key": "bench"}
BASIC = {"authorization": "Basic YmVuY2g6YmVuY2g="}  # bench:bench

TARGETS = {
    "hot_vs_bare": 0.8, "errors_vs_bare": 0.5, "cold_vs_bare": 0.2, "cold_vs_prism": 3.0,
    "hot_p99_ms": 50, "errors_p99_ms": 50, "cold_p99_ms": 100,
    "dashboard_7d_hour_ms": 2, "dashboard_365d_day_ms": 5, "escalation_31d_minute_ms": 80, "feedback_31d_ms": 150,
    "startup_s": 3, "rss_mb": 200,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, path: str, timeout: float, headers: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status < 500:
                    return time.perf_counter() - started
        except Exception:
            time.sleep(0.02)
    raise RuntimeError(f"server on port {port} not ready after {timeout}s")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Workloads -----------------------------------------------------------------------------------------

def _q(path: str, **params: str) -> str:
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def hot_workload() -> list[dict[str, Any]]:
    rng = random.Random(1)
    requests = []
    for i in range(20):
        start = dt.date(2026, 3, 2) + dt.timedelta(days=7 * (i % 4))
        end = start + dt.timedelta(days=6)
        kind = i % 4
        if kind == 0:
            path = _q("/v1/analytics/integrations/dashboard", start_date=start, end_date=end, granularity="hour")
        elif kind == 1:
            path = _q("/v1/analytics/sessions/escalation-rate", start_date=start, end_date=end, granularity="day",
                      channel=rng.choice(["api", "sms", "voice"]))
        elif kind == 2:
            path = _q("/v1/analytics/integrations/by-integration", start_date=start, end_date=end)
        else:
            requests.append({"method": "POST", "path": "/feedback/stats", "headers": BASIC,
                             "body": {"project_id": "acme/evals", "start": f"{start}T00:00:00Z", "end": f"{end}T00:00:00Z",
                                      "metrics": [{"json_path": "output.score", "percentiles": [50, 95]}]}})
            continue
        requests.append({"path": path, "headers": KEY})
    return requests


def cold_workload(feather_only: bool = False, count: int = 50_000) -> list[dict[str, Any]]:
    """Every request distinct: varied windows, granularities and filters over the four seed operations."""
    rng = random.Random(2)
    requests = []
    for i in range(count):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(900))
        kind = i % (3 if feather_only else 4)
        if kind == 3:
            begin = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=rng.randrange(500_000))
            span = dt.timedelta(hours=rng.choice([1, 6, 24, 72]))
            requests.append({"method": "POST", "path": "/feedback/stats", "headers": BASIC, "body": {
                "project_id": f"proj/{rng.randrange(10_000)}", "start": begin.isoformat(), "end": (begin + span).isoformat(),
                "metrics": [{"json_path": "output.score", "percentiles": [50, 99]}]}})
            continue
        granularity = rng.choice(["hour", "day", "week"])
        days = rng.randrange(1, 8 if granularity == "hour" else 60)
        end = start + dt.timedelta(days=days - 1)
        if kind == 0:
            path = _q("/v1/analytics/sessions/escalation-rate", start_date=start, end_date=end, granularity=granularity,
                      channel=rng.choice(["api", "sms", "voice", "email"]))
        elif kind == 1:
            path = _q("/v1/analytics/integrations/dashboard", start_date=start, end_date=end, granularity=granularity,
                      integration_key=rng.choice(["slack", "notion", "twilio", "custom_mcp"]))
        else:
            path = _q("/v1/analytics/integrations/by-integration", start_date=start, end_date=end,
                      slug=rng.choice(["send_message", "search_pages", "send_sms"]))
        requests.append({"path": path, "headers": KEY})
    return requests


def error_workload() -> list[dict[str, Any]]:
    return [
        {"path": "/v1/analytics/sessions/escalation-rate?end_date=2026-03-08", "headers": KEY},
        {"path": "/v1/analytics/sessions/escalation-rate?start_date=2026-02-30&end_date=2026-03-08&granularity=bogus",
         "headers": KEY},
        {"path": "/v1/analytics/integrations/dashboard?start_date=2026-03-08&end_date=2026-03-02", "headers": KEY},
        {"path": "/v1/analytics/integrations/dashboard?start_date=2026-03-02&end_date=2026-03-08"},
        {"path": "/v1/no/such/path", "headers": KEY},
        {"method": "POST", "path": "/feedback/stats", "headers": BASIC,
         "body": {"project_id": "p", "start": "2026-01-05T00:00:00Z", "colour": "red"}},
        {"method": "POST", "path": "/feedback/stats", "headers": BASIC,
         "body": {"project_id": "p", "start": "2026-01-05T00:00:00Z", "metrics": [{"json_path": "$.x"}]}},
        {"method": "POST", "path": "/feedback/stats", "body": {"project_id": "p", "start": "2026-01-05T00:00:00Z"}},
    ]


def _load(port: int, workload: list[dict[str, Any]]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(workload, handle)
    try:
        out = subprocess.run([PYTHON, str(ROOT / "bench" / "loadgen.py"), str(port), handle.name, str(SECONDS),
                              str(CONNECTIONS)], capture_output=True, text=True, check=True, timeout=SECONDS + 60)
    finally:
        os.unlink(handle.name)
    return json.loads(out.stdout.strip().splitlines()[-1])


# Servers --------------------------------------------------------------------------------------------

def _start(command: list[str], port: int, ready_path: str, timeout: float = 30,
           headers: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_ready(port, ready_path, timeout, headers)
    return process, time.perf_counter() - started


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _prism() -> Path | None:
    if os.environ.get("BENCH_PRISM", "1") == "0" or shutil.which("npm") is None:
        return None
    prefix = ROOT / "bench" / ".node"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        try:
            subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                            f"@stoplight/prism-cli@{PRISM_VERSION}"], check=True, timeout=600,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (subprocess.SubprocessError, OSError):
            return None
    return binary if binary.exists() else None


# Generation -----------------------------------------------------------------------------------------

def _median_ms(fn: Callable[[], Any], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def generation() -> dict[str, float]:
    import numpy as np
    import orjson

    sys.path.insert(0, str(ROOT))
    from mockserver.analytics import integrations, sessions
    from mockserver.analytics.query import AnalyticsQuery
    from mockserver.feedback.catalog import load_feedback_catalog
    from mockserver.feedback.endpoints import FeedbackWorld, feedback_stats
    from mockserver.paths import BUNDLED_CONTRACTS, FIXTURES_DIR
    from mockserver.responders.base import MockRequest
    from mockserver.responders.generic import respond_from_schema
    from mockserver.spec.contract import load_contract
    from mockserver.world.calendar import Granularity, Window
    from mockserver.world.catalog import load_catalog
    from mockserver.world.world import build_world

    catalog = load_catalog(FIXTURES_DIR / "catalog.yaml")
    no_filter = {"integration_key": None, "mode": None, "slug": None}

    built = build_world(catalog, 0)  # once, as the server does per (seed, scenario)

    def fresh(generate: Callable[..., Any], query: AnalyticsQuery) -> Callable[[], Any]:
        def run() -> Any:
            return orjson.dumps(generate(built.forgetful_copy(), query))  # nothing derived before
        return run

    week = Window.from_dates(dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    year = Window.from_dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    month = Window.from_dates(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    hours = np.asarray(catalog.hour_of_day)
    feedback_world = FeedbackWorld(load_feedback_catalog(FIXTURES_DIR / "feedback.yaml"), 0,
                                   np.asarray(catalog.weekday), hours / hours.mean())
    feedback_body = {"project_id": "acme/evals", "start": "2025-12-01T00:00:00Z", "end": "2026-01-01T00:00:00Z",
                     "granularity": 300, "metrics": [
                         {"json_path": "output.score", "aggregations": ["avg", "min", "max"], "percentiles": [50, 95]},
                         {"json_path": "output.passed", "value_type": "boolean"},
                         {"json_path": "value.rating", "aggregations": ["sum", "avg"]}]}
    now = dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc)
    feather = load_contract(BUNDLED_CONTRACTS[0])
    biggest = max(feather.operations, key=lambda op: len(orjson.dumps(respond_from_schema(MockRequest(
        op, feather.resolver, {}, None, {}, 0, "baseline", op.key.encode()), use_examples=False).content)))
    counter = iter(range(10**9))

    return {
        "families": _families(built, fresh, week, year),
        "dashboard_7d_hour_ms": _median_ms(fresh(integrations.dashboard, AnalyticsQuery(week, Granularity.HOUR, no_filter))),
        "dashboard_365d_day_ms": _median_ms(fresh(integrations.dashboard, AnalyticsQuery(year, Granularity.DAY, no_filter))),
        "escalation_31d_minute_ms": _median_ms(fresh(sessions.escalation_rate_rows,
                                                     AnalyticsQuery(month, Granularity.MINUTE, {"channel": None}))),
        "feedback_31d_ms": _median_ms(lambda: orjson.dumps(feedback_stats(feedback_world, feedback_body, now))),
        "generic_largest_ms": _median_ms(lambda: orjson.dumps(respond_from_schema(MockRequest(
            biggest, feather.resolver, {}, None, {}, 0, "baseline", b"%d" % next(counter)), use_examples=False).content)),
        "generic_operation": biggest.key,  # type: ignore[dict-item]
    }


FAMILY_TARGETS = {"hour_7d_ms": 5, "day_365d_ms": 10, "dashboard_vs_panel": 2}


def _families(built: Any, fresh: Callable[..., Callable[[], Any]], week: Any, year: Any) -> dict[str, dict[str, Any]]:
    """Per analytics family served by the world: its slowest operation on a 7-day hour and a 365-day day request
    (empty memo), and the dashboard against that slowest operation."""
    from mockserver.analytics.query import AnalyticsQuery
    from mockserver.responders.analytics import OPERATIONS
    from mockserver.world.calendar import Granularity

    options = {"limit": 10, "min_invocations": 10, "top_tools_limit": 10, "health_matrix_limit": 50,
               "recent_errors_limit": 20, "latency_ceiling_ms": 5000.0}
    prefixes = {"sessions": "getSession", "tools": "getTool", "integrations": "getIntegration"}
    report: dict[str, dict[str, Any]] = {}
    for family, prefix in prefixes.items():
        timings: dict[str, tuple[float, float]] = {}
        for operation_id, (generate, filters) in OPERATIONS.items():
            if operation_id.startswith(prefix):
                timings[operation_id] = tuple(  # type: ignore[assignment]
                    _median_ms(fresh(generate, AnalyticsQuery(window, granularity, {f: None for f in filters}, options)),
                               runs=5)
                    for window, granularity in ((week, Granularity.HOUR), (year, Granularity.DAY)))
        panels = {k: v for k, v in timings.items() if not k.endswith("Dashboard")}
        dashboards = [v for k, v in timings.items() if k.endswith("Dashboard")]
        slow_hour = max(panels, key=lambda k: panels[k][0])
        slow_day = max(panels, key=lambda k: panels[k][1])
        report[family] = {"operations": len(timings), "hour_7d_ms": panels[slow_hour][0], "hour_7d_op": slow_hour,
                          "day_365d_ms": panels[slow_day][1], "day_365d_op": slow_day,
                          "dashboard_vs_panel": (dashboards[0][1] / panels[slow_day][1]) if dashboards else None}
    return report


# Report ---------------------------------------------------------------------------------------------

def _verdict(name: str, value: float, higher_is_better: bool) -> str:
    target = TARGETS[name]
    met = value >= target if higher_is_better else value <= target
    return f"{'met' if met else '**missed**'} ({'≥' if higher_is_better else '≤'} {target})"


def main() -> int:
    results: dict[str, Any] = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                                          f"Python {platform.python_version()}, {platform.system()} {platform.release()}"}
    port = _free_port()
    server, startup = _start([PYTHON, "-m", "mockserver", "serve", "--port", str(port), "--no-access-log", "--now", NOW],
                             port, "/healthz", timeout=60)
    first = _wait_ready(port, "/v1/analytics/integrations/summary?start_date=2026-03-02&end_date=2026-03-08", 30, KEY)
    results["startup_s"] = startup + first
    try:
        loads = {"hot": _load(port, hot_workload()), "cold": _load(port, cold_workload()),
                 "errors": _load(port, error_workload())}
        results["rss_mb"] = _rss_mb(server.pid)
        feather_cold = _load(port, cold_workload(feather_only=True))
    finally:
        _stop(server)
    bare_port = _free_port()
    bare, _ = _start([PYTHON, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port), "--log-level", "warning",
                      "--no-access-log"], bare_port, "/x")
    try:
        loads["bare"] = _load(bare_port, hot_workload())
    finally:
        _stop(bare)
    prism_binary = _prism()
    if prism_binary is not None:
        prism_port = _free_port()
        try:
            prism, _ = _start([str(prism_binary), "mock", "-p", str(prism_port), "-h", "127.0.0.1",
                               str(ROOT / "mockserver" / "contracts" / "feather.openapi.json")],
                              prism_port, "/v1/agents", timeout=180,
                              headers=KEY)
        except RuntimeError:
            prism = None
        if prism is not None:
            try:
                loads["prism_cold"] = _load(prism_port, cold_workload(feather_only=True))
                loads["sandbox_cold_feather"] = feather_cold
            finally:
                _stop(prism)
    results["loads"] = loads
    results["generation"] = generation()
    report = render(results)
    (ROOT / "docs" / "benchmarks.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


def render(results: dict[str, Any]) -> str:
    loads = results["loads"]
    bare = loads["bare"]["rps"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {dt.date.today().isoformat()}. Machine: {results['machine']}.",
        f"Each load run: {SECONDS:g} s, {CONNECTIONS} keep-alive connections, server and load generator in separate "
        "processes on 127.0.0.1; the sandbox runs with its defaults (one worker).",
        "",
        "## Load",
        "",
        "| Workload | Requests/s | p50 ms | p99 ms | vs bare | Target | Statuses |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("hot", "cold", "errors", "bare", "sandbox_cold_feather", "prism_cold"):
        if name not in loads:
            continue
        run = loads[name]
        ratio = run["rps"] / bare
        target = ""
        if name in ("hot", "cold", "errors"):
            target = _verdict(f"{name}_vs_bare", ratio, True) + "; p99 " + _verdict(f"{name}_p99_ms", run["p99_ms"], False)
        lines.append(f"| {name} | {run['rps']:,.0f} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} | {ratio:.2f} | {target} | "
                     f"{run['statuses']} |")
    if "prism_cold" in loads:
        ratio = loads["sandbox_cold_feather"]["rps"] / loads["prism_cold"]["rps"]
        lines += ["", f"Sandbox / Prism {PRISM_VERSION} on the same Feather-only cold workload: **{ratio:.1f}x** "
                      f"({_verdict('cold_vs_prism', ratio, True)})."]
    else:
        lines += ["", "Prism was not measured on this run (no Node/npm, BENCH_PRISM=0, or it did not start)."]
    generation = results["generation"]
    lines += ["", "## Generation (in-process, median of 7, empty memo, including JSON rendering)", "",
              "| Request | ms | Target |", "|---|---|---|"]
    labels = {"dashboard_7d_hour_ms": "7-day dashboard at hour", "dashboard_365d_day_ms": "365-day dashboard at day",
              "escalation_31d_minute_ms": "31-day escalation rate at minute (44,640 rows)",
              "feedback_31d_ms": "31-day feedback stats at 300 s, 3 metrics, 2 percentiles"}
    for key, label in labels.items():
        lines.append(f"| {label} | {generation[key]:.1f} | {_verdict(key, generation[key], False)} |")
    lines.append(f"| generic response, largest Feather schema ({generation['generic_operation']}) | "
                 f"{generation['generic_largest_ms']:.2f} | |")
    lines += ["", "### By analytics family (slowest operation of each, median of 5, empty memo)", "",
              "| Family | Operations | 7-day at hour | 365-day at day | Dashboard / slowest operation (365 days) |",
              "|---|---|---|---|---|"]
    for family, row in generation["families"].items():
        def verdict(name: str, value: float) -> str:
            return "met" if value <= FAMILY_TARGETS[name] else f"**missed** (≤ {FAMILY_TARGETS[name]})"
        ratio = row["dashboard_vs_panel"]
        lines.append(f"| {family} | {row['operations']} | {row['hour_7d_ms']:.1f} ms ({row['hour_7d_op']}; "
                     f"{verdict('hour_7d_ms', row['hour_7d_ms'])}) | {row['day_365d_ms']:.1f} ms ({row['day_365d_op']}; "
                     f"{verdict('day_365d_ms', row['day_365d_ms'])}) | "
                     + ("-" if ratio is None else f"{ratio:.1f}x ({verdict('dashboard_vs_panel', ratio)})") + " |")
    lines += ["", "## Startup and memory", "",
              f"- Startup to first answered analytics request, full Feather contract: {results['startup_s']:.2f} s "
              f"({_verdict('startup_s', results['startup_s'], False)}).",
              f"- RSS after the load runs: {results['rss_mb']:.0f} MB ({_verdict('rss_mb', results['rss_mb'], False)}).",
              "",
              "## What limits it",
              "",
              "- **Hot and error requests** are answered from a bounded cache keyed by the request's bytes (responses are "
              "deterministic, so this is exact): routing, the credential check and sending are all that is left.",
              "- **Cold requests** compute the world with numpy per request. A dashboard draws the window's and the "
              "previous window's day cells over every integration leaf (a `day` or `week` timeseries is cut from the "
              "former; an `hour` one adds the hour splits), 5-30 ms in all depending on the window; "
              "the server is one event loop, so the p99 of a 50-connection "
              "run is mostly time spent queued behind such dashboards.",
              "- **Dashboard generation** misses its 2 ms / 5 ms targets. A dashboard needs the window's day cells "
              "(a Poisson count per leaf and day), the previous window's (for the summary's comparison) and, at `hour`, "
              "every leaf-day split into hours by a five-level tree of binomial draws; (leaf, day) pairs with a bad hour "
              "are split at `day` too, so their latency moments equal the sum of their hours. Each level is a few dozen "
              "numpy operations on arrays of a few hundred values, so the cost is per-operation overhead "
              "(about 0.2-0.4 ms per level), not data volume. Reaching the targets needs the splits in compiled code "
              "(one pass per leaf-day) or day cells cached by calendar month across requests; both are recorded as next "
              "steps. Generation runs off the event loop (two worker threads), so a heavy request no longer stalls cached "
              "ones.",
              "- **Families on 365-day windows** (sessions, tools) cost the window's day cells over every leaf of the "
              "family (a Poisson draw per leaf and day: 112 session leaves, 264 tool-call leaves); the tools stream "
              "carries retries as a leaf dimension, which quadruples its leaves.",
              ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
