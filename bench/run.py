"""``make bench``: load, generation, startup and memory, written to docs/benchmarks.md.

Load comes from wrk (Debian's ``wrk``; bench/wrk.py), a C generator, so the
server is the bottleneck: its own ceiling is measured against nginx serving a
fixed body, and a bare Starlette route runs in the same run for every ratio.
Everything runs on 127.0.0.1, bounded in time: each load run lasts
BENCH_SECONDS (default 8) with BENCH_CONNECTIONS (default 50) connections and
BENCH_WRK_THREADS (default 1) generator threads. Each workload gets a fresh
sandbox with its defaults (access log on). Set BENCH_PRISM=0 to skip the Prism
comparison (it needs Node and npm).
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.probe import Probe  # noqa: E402
from bench.wrk import find_wrk, raw_request, run_wrk, wrk_version  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "1"))
PRISM_VERSION = "5.14.2"
SETTLE_S = 1.0  # RSS is read this long after a load ends (and also as it ends)
NOW = "2026-01-15T12:00:00Z"
KEY = {"x-api-key": "bench"}
BASIC = {"authorization": "Basic YmVuY2g6YmVuY2g="}  # bench:bench

TARGETS = {
    "hot_vs_bare": 0.8, "errors_vs_bare": 0.6, "cold_distinct_vs_bare": 0.1, "cold_vs_prism": 3.0,
    "cold_distinct_p99_ms": 100, "mixed_p99_ms": 50, "workers_2_vs_1": 1.7,
    "dashboard_7d_hour_ms": 2, "dashboard_7d_hour_offweek_ms": 2, "dashboard_365d_day_ms": 5,
    "escalation_31d_minute_ms": 40, "feedback_31d_ms": 50,
    "startup_s": 1, "pss_mb": 200,
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


def hot_small_workload() -> list[dict[str, Any]]:
    """Cached replies about the bare route's size (7 daily rows, ~0.7 KB): the sandbox's own per-request cost."""
    return [{"path": _q("/v1/analytics/sessions/escalation-rate", start_date=dt.date(2026, 3, 2) + dt.timedelta(days=7 * i),
                        end_date=dt.date(2026, 3, 8) + dt.timedelta(days=7 * i), granularity="day", channel=channel),
             "headers": KEY} for i in range(5) for channel in ("api", "sms", "voice", "email")]


def _cold_request(rng: random.Random, kind: int, start: dt.date, days: int, granularity: str) -> dict[str, Any]:
    end = start + dt.timedelta(days=days - 1)
    if kind == 0:
        path = _q("/v1/analytics/sessions/escalation-rate", start_date=start, end_date=end, granularity=granularity,
                  channel=rng.choice(["api", "sms", "voice", "email"]))
    elif kind == 1:
        path = _q("/v1/analytics/integrations/dashboard", start_date=start, end_date=end, granularity=granularity,
                  integration_key=rng.choice(["slack", "notion", "twilio", "custom_mcp"]))
    elif kind == 2:
        path = _q("/v1/analytics/tools/usage/timeseries", start_date=start, end_date=end, granularity=granularity)
    else:
        begin = dt.datetime.combine(start, dt.time(), dt.timezone.utc)
        return {"method": "POST", "path": "/feedback/stats", "headers": BASIC, "body": {
            "project_id": "acme/evals", "start": begin.isoformat(), "end": (begin + dt.timedelta(days=days)).isoformat(),
            "metrics": [{"json_path": "output.score", "percentiles": [50, 99]}]}}
    return {"path": path, "headers": KEY}


def cold_distinct_workload(count: int = 40_000) -> list[dict[str, Any]]:
    """Every request distinct and no (operation, window) twice: dashboards, timeseries and feedback stats over
    1-30 day windows across 2022-2026 at hour, day or week, so no cell memo can be reused."""
    rng = random.Random(2)
    windows = rng.sample([(day, days) for day in range(1500) for days in range(1, 31)], count)
    requests = []
    for i, (day, days) in enumerate(windows):
        granularity = "hour" if days <= 7 else rng.choice(["day", "week"])
        requests.append(_cold_request(rng, i % 4, dt.date(2022, 1, 1) + dt.timedelta(days=day), days, granularity))
    return requests


def cold_repeating_workload(count: int = 40_000) -> list[dict[str, Any]]:
    """Every request distinct, but their days recur: windows of 1-30 days starting in one 60-day stretch, so the
    world's day cells (the memo) are shared between requests."""
    rng = random.Random(3)
    requests = []
    for i in range(count):
        day, days = rng.randrange(60), rng.randrange(1, 31)
        granularity = rng.choice(["hour", "day", "week"]) if days <= 7 else rng.choice(["day", "week"])
        requests.append(_cold_request(rng, i % 3, dt.date(2025, 10, 1) + dt.timedelta(days=day), days, granularity))
    seen: set[str] = set()
    return [r for r in requests if not (r["path"] in seen or seen.add(r["path"]))]  # type: ignore[func-returns-value]


def heavy_workload(count: int = 2_000) -> list[dict[str, Any]]:
    """90-day hourly escalation rates, each window distinct: 2,160 buckets each."""
    rng = random.Random(4)
    return [{"path": _q("/v1/analytics/sessions/escalation-rate", start_date=dt.date(2023, 1, 1) + dt.timedelta(days=day),
                        end_date=dt.date(2023, 1, 1) + dt.timedelta(days=day + 89), granularity="hour"), "headers": KEY}
            for day in rng.sample(range(3000), count)]


def mixed_workload() -> list[dict[str, Any]]:
    """Per 20 requests: 16 cached (the hot set, warmed first), 3 cold-distinct, 1 heavy."""
    hot, cold, heavy = hot_workload(), cold_distinct_workload(12_000), heavy_workload()
    requests = []
    for i in range(40_000):
        block = i % 20
        if block < 16:
            requests.append(hot[i % len(hot)])
        elif block < 19:
            requests.append(cold[(i // 20) * 3 + block - 16])
        else:
            requests.append(heavy[(i // 20) % len(heavy)])
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


def _load(port: int, workload: list[dict[str, Any]], seconds: float = SECONDS) -> dict[str, Any]:
    return run_wrk(port, workload, seconds, CONNECTIONS, threads=WRK_THREADS)


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

    def kept(generate: Callable[..., Any], query: AnalyticsQuery, earlier: AnalyticsQuery) -> float:
        """Median ms of ``query`` on a world whose memo holds the draws of an ``earlier`` request over a wider
        window (so its days are kept, but nothing of this window itself)."""
        times = []
        for _ in range(7):
            world = built.forgetful_copy()
            generate(world, earlier)
            began = time.perf_counter()
            orjson.dumps(generate(world, query))
            times.append((time.perf_counter() - began) * 1000)
        return statistics.median(times)

    week = Window.from_dates(dt.date(2026, 3, 2), dt.date(2026, 3, 8))  # Monday to Sunday: one kept run
    off_week = Window.from_dates(dt.date(2026, 3, 3), dt.date(2026, 3, 9))  # Tuesday to Monday: two
    year = Window.from_dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    around_week = Window.from_dates(dt.date(2026, 2, 16), dt.date(2026, 3, 15))
    around_year = Window.from_dates(dt.date(2023, 12, 1), dt.date(2026, 1, 31))
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
        "families": _families(built, fresh, week, year, off_week),
        "dashboard_7d_hour_offweek_ms": _median_ms(fresh(integrations.dashboard,
                                                         AnalyticsQuery(off_week, Granularity.HOUR, no_filter))),
        "dashboard_7d_hour_ms": _median_ms(fresh(integrations.dashboard, AnalyticsQuery(week, Granularity.HOUR, no_filter))),
        "dashboard_365d_day_ms": _median_ms(fresh(integrations.dashboard, AnalyticsQuery(year, Granularity.DAY, no_filter))),
        "dashboard_7d_hour_kept_ms": kept(integrations.dashboard, AnalyticsQuery(week, Granularity.HOUR, no_filter),
                                          AnalyticsQuery(around_week, Granularity.HOUR, no_filter)),
        "dashboard_365d_day_kept_ms": kept(integrations.dashboard, AnalyticsQuery(year, Granularity.DAY, no_filter),
                                           AnalyticsQuery(around_year, Granularity.DAY, no_filter)),
        "escalation_31d_minute_ms": _median_ms(fresh(sessions.escalation_rate_rows,
                                                     AnalyticsQuery(month, Granularity.MINUTE, {"channel": None}))),
        "feedback_31d_ms": _median_ms(lambda: orjson.dumps(feedback_stats(feedback_world, feedback_body, now))),
        "generic_largest_ms": _median_ms(lambda: orjson.dumps(respond_from_schema(MockRequest(
            biggest, feather.resolver, {}, None, {}, 0, "baseline", b"%d" % next(counter)), use_examples=False).content)),
        "generic_operation": biggest.key,  # type: ignore[dict-item]
        "resources": _resources(),  # type: ignore[dict-item]
        "cold_floor": cold_floor(),  # type: ignore[dict-item]
    }


RESOURCE_REQUESTS = {
    "list agents (a page of 50)": "/v1/agents",
    "get an agent": "/v1/agents/edcd2836-2e73-5eaa-9531-fbd6e23f16a9",
    "list tools (a page of 50)": "/v1/tools",
    "list conversations (a page of 50, one channel, one day)":
        "/v1/v2/conversations?channel=voice&started_after=2026-01-13T00:00:00Z&started_before=2026-01-13T23:59:59Z",
    "list conversations (a page of 50, default 30 days, no filter)": "/v1/v2/conversations",
    "list handoffs (a page of 50)": "/v1/hitl/handoffs?status=requested",
    "list end users (a page of 50 of 500)": "/v1/identity/end-users",
    "list a knowledge base's documents": "/v1/knowledge-base/knowledge-bases/b2fe03ec-25ca-502e-80ee-1f7ed6e528d6/documents",
}


def _asgi_call(app: Any, request: dict[str, Any]) -> Any:
    """One request (a workload's dict: path with its query, headers, optional method and JSON body) as one ASGI
    call, as uvicorn makes it (the app's own path, generation thread included, no HTTP client); awaits its status."""
    import orjson

    path, _, query = request["path"].partition("?")
    body = orjson.dumps(request["body"]) if "body" in request else b""
    headers = [(k.lower().encode(), v.encode()) for k, v in request["headers"].items()]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.get("method", "GET"),
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000)}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    async def call() -> int:
        await app(scope, receive, send)
        return status

    return call()


def _in_process(app: Any, measure: Callable[[], Any]) -> Any:
    """Run ``measure`` (a coroutine function) on one event loop between the app's lifespan startup and shutdown."""
    import asyncio

    async def session() -> Any:
        startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await startup.put({"type": "lifespan.startup"})
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        life = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}}, startup.get, events.put))
        await events.get()  # lifespan.startup.complete
        try:
            return await measure()
        finally:
            await startup.put({"type": "lifespan.shutdown"})
            await life

    return asyncio.run(session())


def _resources() -> dict[str, float]:
    """Resource reads in-process, median of 7, each a request the reply cache has not seen: lists vary their page size
    (44-50), so the world, its memo (a day's session events) and the resource fillers are warm as in a running server (the
    first request of each session list is reported too); gets vary the seed (a cold
    filler, the worst case). Each request is one ASGI call (``_asgi_call``)."""
    from mockserver.app import create_app
    from mockserver.settings import Settings

    app = create_app(Settings(access_log=False, now=dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc)))

    async def measure() -> dict[str, float]:
        timings = {}
        for label, path in RESOURCE_REQUESTS.items():
            times = []
            for run in range(1, 8):
                joiner = "&" if "?" in path else "?"
                request = {"path": path, "headers": {**KEY, "prefer": f"seed={run}"}} if "/v1/agents/" in path else \
                    {"path": f"{path}{joiner}limit={50 - run % 7}", "headers": KEY}
                started = time.perf_counter()
                status = await _asgi_call(app, request)
                times.append((time.perf_counter() - started) * 1000)
                assert status == 200, (path, status)
            timings[label] = statistics.median(times)
            if "conversations" in path or "handoffs" in path:  # the later pages reuse the day's session events
                timings[f"{label}, its first request (no day's events kept yet)"] = times[0]
        return timings

    return _in_process(app, measure)  # type: ignore[no-any-return]


FLOOR_REQUESTS = 1_500


def cold_floor(count: int = FLOOR_REQUESTS, before_pass: Callable[[str], None] = lambda name: None) -> dict[str, Any]:
    """How much of a cold request is drawing the world: the first ``count`` cold-distinct requests in-process, one
    at a time, on a fresh sandbox (every run drawn for the first time, as in the cold-distinct row), then the same
    requests again on the same sandbox with the reply cache off. The second pass finds every run kept (they take
    about 20 MiB of the 32 MiB memo, so none is dropped) and none of its windows' own figures (the brief memo keeps
    a few hundred windows, and more than a thousand come between a request and its repeat): what every request
    would cost if the world's draws cost nothing, the most a faster way of drawing could give. ``before_pass``
    is told each pass's name as it starts (tests count the runs each pass draws)."""
    from mockserver.app import create_app
    from mockserver.settings import Limits, Settings

    requests = cold_distinct_workload()[:count]
    app = create_app(Settings(access_log=False, now=dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc),
                              limits=Limits(cache_entries=0, cache_bytes=0)))

    def kind(request: dict[str, Any]) -> str:
        return request["path"].split("?")[0]

    async def measure() -> dict[str, Any]:
        passes = {}
        for name in ("first", "kept"):
            before_pass(name)
            per_kind: dict[str, list[float]] = {}
            began = time.perf_counter()
            for request in requests:
                started = time.perf_counter()
                status = await _asgi_call(app, request)
                per_kind.setdefault(kind(request), []).append((time.perf_counter() - started) * 1000)
                assert status == 200, (request, status)
            passes[name] = {"rps": count / (time.perf_counter() - began),
                            "ms": {k: statistics.mean(v) for k, v in sorted(per_kind.items())}}
        return {"requests": count, **passes}

    return _in_process(app, measure)  # type: ignore[no-any-return]



def _floor_lines(floor: dict[str, Any], loads: dict[str, Any]) -> list[str]:
    """The cold floor (``cold_floor``): each kind of cold-distinct request on its first pass and with every run
    kept, and what that bounds."""
    first, kept = floor["first"], floor["kept"]
    gain = kept["rps"] / first["rps"]
    bare = loads["bare"]["rps"]
    lines = ["", f"### What drawing the world costs a cold request (the first {floor['requests']:,} cold-distinct "
                 "requests in-process, one at a time)", "",
             "| Request | first pass, ms | again, every run kept, ms | drawing's share |", "|---|---|---|---|"]
    for path, ms in first["ms"].items():
        again = kept["ms"][path]
        lines.append(f"| {path} | {ms:.2f} | {again:.2f} | {1 - again / ms:.0%} |")
    lines += [f"| **all, req/s** | {first['rps']:.0f} | {kept['rps']:.0f} | {1 - first['rps'] / kept['rps']:.0%} |", "",
              f"A world whose draws cost nothing would make this mix at most **{gain:.1f}x** faster: "
              f"{kept['rps']:.0f} req/s in-process is {kept['rps'] / bare:.3f}x the bare route's {bare:,.0f}, "
              f"against a target of {TARGETS['cold_distinct_vs_bare']:g}x. The rest is each request's own work on "
              "what is kept (cutting a window from the runs, a dashboard's panels, the feedback rows' values and "
              "percentiles, validation and rendering)."]
    return lines

FAMILY_TARGETS = {"hour_7d_ms": 5, "day_365d_ms": 10, "dashboard_vs_panel": 2}


def _families(built: Any, fresh: Callable[..., Callable[[], Any]], week: Any, year: Any,
              off_week: Any) -> dict[str, dict[str, Any]]:
    """Per analytics family served by the world: its slowest operation on a 7-day hour request (a calendar week,
    one kept run, and a Tuesday-to-Monday week, two) and a 365-day day request (empty memo), and the dashboard
    against that slowest operation."""
    from mockserver.analytics.query import AnalyticsQuery
    from mockserver.responders.analytics import OPERATIONS
    from mockserver.world.calendar import Granularity

    options = {"limit": 10, "min_invocations": 10, "top_tools_limit": 10, "health_matrix_limit": 50,
               "recent_errors_limit": 20, "latency_ceiling_ms": 5000.0}
    prefixes = {"sessions": "getSession", "tools": "getTool", "integrations": "getIntegration"}
    report: dict[str, dict[str, Any]] = {}
    for family, prefix in prefixes.items():
        timings: dict[str, tuple[float, float, float]] = {}
        for operation_id, (generate, filters) in OPERATIONS.items():
            if operation_id.startswith(prefix):
                timings[operation_id] = tuple(  # type: ignore[assignment]
                    _median_ms(fresh(generate, AnalyticsQuery(window, granularity, {f: None for f in filters}, options)),
                               runs=5)
                    for window, granularity in ((week, Granularity.HOUR), (year, Granularity.DAY),
                                                (off_week, Granularity.HOUR)))
        panels = {k: v for k, v in timings.items() if not k.endswith("Dashboard")}
        dashboards = [v for k, v in timings.items() if k.endswith("Dashboard")]
        slow_hour = max(panels, key=lambda k: panels[k][0])
        slow_day = max(panels, key=lambda k: panels[k][1])
        slow_off = max(panels, key=lambda k: panels[k][2])
        own = _own_panels(family)
        own_ms = {name: _median_ms(fresh(panel, AnalyticsQuery(year, Granularity.DAY, {}, options)), runs=5)
                  for name, panel in own.items()}
        slow_own = max(own_ms, key=lambda k: own_ms[k]) if own_ms else None
        report[family] = {"operations": len(timings), "hour_7d_ms": panels[slow_hour][0], "hour_7d_op": slow_hour,
                          "day_365d_ms": panels[slow_day][1], "day_365d_op": slow_day,
                          "hour_7d_off_ms": panels[slow_off][2], "hour_7d_off_op": slow_off,
                          "dashboard_vs_operation": (dashboards[0][1] / panels[slow_day][1]) if dashboards else None,
                          "dashboard_vs_panel": (dashboards[0][1] / own_ms[slow_own]) if dashboards and slow_own
                          else None, "slowest_panel": slow_own}
    return report


def _own_panels(family: str) -> dict[str, Callable[..., Any]]:
    """The panels a family's dashboard is made of, each callable alone as (world, query) -> rows: the integrations
    dashboard's are its standalone operations; the tools dashboard's four are its own (``tools_dashboard.py``)."""
    from mockserver.analytics import integrations, tools_dashboard

    if family == "integrations":
        return {"summary": integrations.summary_rows, "usage": integrations.usage_rows,
                "success_rate": integrations.success_rate_rows, "latency": integrations.latency_rows,
                "by_integration": integrations.by_integration_rows, "by_mode": integrations.by_mode_rows,
                "error_breakdown": integrations.error_breakdown_rows}
    if family == "tools":
        return {"summary": tools_dashboard._summary, "top_tools": tools_dashboard._top_tools,
                "health_matrix": tools_dashboard._health_matrix, "recent_errors": tools_dashboard._recent_errors}
    return {}


# Report ---------------------------------------------------------------------------------------------

def _verdict(name: str, value: float, higher_is_better: bool) -> str:
    target = TARGETS[name]
    met = value >= target if higher_is_better else value <= target
    return f"{'met' if met else '**missed**'} ({'≥' if higher_is_better else '≤'} {target})"


def _sandbox(*flags: str) -> tuple[subprocess.Popen[bytes], int, float]:
    """A fresh sandbox with its defaults (access log on, to /dev/null); its port and its startup time."""
    port = _free_port()
    process, startup = _start([PYTHON, "-m", "mockserver", "serve", "--port", str(port), "--now", NOW, *flags],
                              port, "/healthz", timeout=60)
    first = _wait_ready(port, "/v1/analytics/integrations/summary?start_date=2026-03-02&end_date=2026-03-08", 30, KEY)
    return process, port, startup + first


def _measure(workload: list[dict[str, Any]], warm: list[dict[str, Any]] | None = None,
             flags: tuple[str, ...] = (), probe: dict[str, Any] | None = None
             ) -> tuple[dict[str, Any], dict[str, float], float]:
    """(load result, memory after it (``_memory_mb``), startup s) on a fresh sandbox; ``warm`` is sent first, unmeasured. With
    ``probe`` (a cached request), that request is also timed on a connection of its own during the load
    (bench/probe.py), in ``result["probe"]``."""
    process, port, startup = _sandbox(*flags)
    try:
        if warm is not None:
            _load(port, warm, seconds=2)
        timer = None if probe is None else Probe(port, raw_request(probe, port)).start()
        result = _load(port, workload)
        if timer is not None:
            result["probe"] = timer.stop()
        result["memory_at_end"] = _memory_mb(process.pid)
        time.sleep(SETTLE_S)  # the last requests finish and the idle lane hands freed memory back
        return result, _memory_mb(process.pid), startup
    finally:
        _stop(process)


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (workers, and each one's generation process)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(c) for c in children.read_text().split()] if children.exists() else []
    return [pid, *(p for child in found for p in _tree(child))]


def _pss_mb(pid: int) -> float:
    """Proportional set size: each page shared by several processes (a forked child's copy-on-write pages)
    counted once across them, where RSS counts it in each; RSS where the kernel does not say."""
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return _rss_mb(pid)


def _memory_mb(pid: int) -> dict[str, float]:
    """The memory of a sandbox's whole process tree: its PSS (what it costs the machine) and its RSS summed."""
    pids = _tree(pid)
    return {"pss": sum(_pss_mb(p) for p in pids), "rss": sum(_rss_mb(p) for p in pids), "processes": len(pids)}


NGINX_FIXED = """
worker_processes 1;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    {upstream}
    server {{
        listen 127.0.0.1:{port};
        location / {{ {location} }}
    }}
}}
"""


def _nginx(prefix: Path, port: int, location: str, upstream: str = "") -> subprocess.Popen[bytes] | None:
    nginx = _nginx_binary()
    if nginx is None:
        return None
    (prefix / "nginx.conf").write_text(NGINX_FIXED.format(prefix=prefix, port=port, location=location,
                                                          upstream=upstream))
    process = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                str(prefix / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_ready(port, "/healthz", 10)
    return process


def _ceiling(workload: list[dict[str, Any]]) -> dict[str, Any] | None:
    """wrk against nginx answering a fixed body: the most this generator can show on this machine."""
    with tempfile.TemporaryDirectory() as temp:
        port = _free_port()
        body = '[{"time_bucket":"2026-03-02T00:00:00Z","total_sessions":2824}]'
        nginx = _nginx(Path(temp), port, f"default_type application/json; return 200 '{body}';")
        if nginx is None:
            return None
        try:
            return _load(port, workload)
        finally:
            _stop(nginx)


def _replicas(workload: list[dict[str, Any]], warm: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The workload through nginx to three sandbox replicas (one worker each)."""
    if _nginx_binary() is None:
        return None
    started = [_sandbox("--no-access-log") for _ in range(3)]
    try:
        with tempfile.TemporaryDirectory() as temp:
            port = _free_port()
            servers = " ".join(f"server 127.0.0.1:{p};" for _, p, _ in started)
            upstream = f"upstream sandbox {{ {servers} keepalive 64; }}"
            nginx = _nginx(Path(temp), port, 'proxy_pass http://sandbox; proxy_http_version 1.1; '
                                             'proxy_set_header Connection "";', upstream)
            assert nginx is not None
            try:
                if warm is not None:
                    _load(port, warm, seconds=2)
                return _load(port, workload)
            finally:
                _stop(nginx)
    finally:
        for process, _, _ in started:
            _stop(process)


# Debian packages of the tools the bench drives: wrk (the load generator) and nginx (the generator's ceiling, the
# replicas' balancer).
BENCH_PACKAGES = {"wrk": "wrk", "nginx": "nginx-light"}


def _nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def ensure_tools(find: Callable[[str], str | None] | None = None, run: Callable[..., Any] = subprocess.run,
                 is_root: Callable[[], bool] = lambda: os.geteuid() == 0, environ: Any = os.environ) -> bool:
    """Find wrk and nginx; where one is missing on a machine that can install it (root, with apt-get: a fresh CI
    or container machine), install it and say so (``BENCH_INSTALL=0``: never). False when wrk is still missing
    (the bench cannot run; it says what to install). Without nginx the bench runs and leaves out the rows that
    need it, and says so."""
    def found(tool: str) -> str | None:
        if find is not None:
            return find(tool)
        return find_wrk() if tool == "wrk" else _nginx_binary()

    missing = [tool for tool in BENCH_PACKAGES if found(tool) is None]
    if missing and environ.get("BENCH_INSTALL", "1") != "0" and (find or shutil.which)("apt-get") and is_root():
        packages = [BENCH_PACKAGES[tool] for tool in missing]
        print(f"make bench: installing {', '.join(packages)} with apt-get (BENCH_INSTALL=0 not to)", file=sys.stderr)
        install = ["apt-get", "install", "-y", "-q", *packages]
        if run(install, stdout=subprocess.DEVNULL).returncode != 0:  # a fresh machine may need its lists first
            run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
            run(install, stdout=subprocess.DEVNULL)
        missing = [tool for tool in BENCH_PACKAGES if found(tool) is None]
    if "nginx" in missing:
        print("make bench: nginx not found (apt-get install -y nginx-light): the generator's ceiling and the replicas "
              "rows are left out", file=sys.stderr)
    if "wrk" in missing:
        print("make bench needs wrk, a C load generator: apt-get install -y wrk nginx-light (Debian/Ubuntu) or brew "
              "install wrk nginx", file=sys.stderr)
        return False
    return True


LAST_RUN = ROOT / "bench-results" / "last-run.json"  # every figure of the last run (git ignores the directory)


def main() -> int:
    if sys.argv[1:] == ["--render"]:  # docs/benchmarks.md again from the last run's figures (after editing the text)
        results = json.loads(LAST_RUN.read_text(encoding="utf-8"))
        for run in results["loads"].values():  # JSON made the status codes strings
            if run and "statuses" in run:
                run["statuses"] = {int(code): count for code, count in run["statuses"].items()}
        report = render(results)
        (ROOT / "docs" / "benchmarks.md").write_text(report, encoding="utf-8")
        return 0
    if not ensure_tools():
        return 2
    results: dict[str, Any] = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                                          f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
                               "wrk": wrk_version()}
    # In-process generation first, on a machine no load run has warmed or left busy.
    results["generation"] = generation()
    hot, errors = hot_workload(), error_workload()
    loads: dict[str, Any] = {}
    memory: list[dict[str, float]] = []  # per worker, after each workload
    memory_at_end: list[dict[str, float]] = []
    startups: list[float] = []
    ceiling = _ceiling(hot)
    if ceiling is not None:
        loads["ceiling"] = ceiling
    bare_port = _free_port()
    bare, _ = _start([PYTHON, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port), "--log-level", "warning",
                      "--no-access-log"], bare_port, "/x")
    try:
        loads["bare"] = _load(bare_port, hot)
    finally:
        _stop(bare)
    plan: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]] | None, tuple[str, ...]]] = [
        ("hot", hot, hot, ()),
        ("hot_no_access_log", hot, hot, ("--no-access-log",)),
        ("hot_small", hot_small_workload(), hot_small_workload(), ()),
        ("errors", errors, errors, ()),
        ("cold_distinct", cold_distinct_workload(), None, ()),
        ("cold_repeating", cold_repeating_workload(), None, ()),
        ("mixed", mixed_workload(), hot, ()),
        ("cold_distinct_2_workers", cold_distinct_workload(), None, ("--workers", "2")),
        ("cold_distinct_threads", cold_distinct_workload(), None, ("--generation", "thread")),
        ("mixed_threads", mixed_workload(), hot, ("--generation", "thread")),
    ]
    for name, workload, warm, flags in plan:
        loads[name], after, startup = _measure(workload, warm, flags, probe=hot[0] if name in PROBED else None)
        workers = 2 if "--workers" in flags else 1
        memory.append({k: v / workers for k, v in after.items()})
        memory_at_end.append({k: v / workers for k, v in loads[name]["memory_at_end"].items()})
        startups.append(startup)
    replicated = _replicas(hot, hot)
    if replicated is not None:
        loads["hot_3_replicas"] = replicated
        loads["cold_distinct_3_replicas"] = _replicas(cold_distinct_workload(), None)
    results["pss_mb"] = max(m["pss"] for m in memory)
    results["rss_mb"] = max(m["rss"] for m in memory)
    results["pss_at_end_mb"] = max(m["pss"] for m in memory_at_end)
    results["startup_s"] = statistics.median(startups)
    prism_binary = _prism()
    if prism_binary is not None:
        prism_port = _free_port()
        try:
            prism, _ = _start([str(prism_binary), "mock", "-p", str(prism_port), "-h", "127.0.0.1",
                               str(ROOT / "mockserver" / "contracts" / "feather.openapi.json")],
                              prism_port, "/v1/agents", timeout=180, headers=KEY)
        except RuntimeError:
            prism = None
        if prism is not None:
            feather_cold = [r for r in cold_distinct_workload() if r["path"].startswith("/v1/")]
            try:
                loads["prism_cold"] = _load(prism_port, feather_cold)
            finally:
                _stop(prism)
            loads["sandbox_cold_feather"] = _measure(feather_cold)[0]
    results["loads"] = loads
    LAST_RUN.parent.mkdir(exist_ok=True)
    LAST_RUN.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    report = render(results)
    (ROOT / "docs" / "benchmarks.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


LOAD_ROWS = {
    "ceiling": "generator ceiling: nginx, fixed body",
    "bare": "bare Starlette route (uvicorn, no log)",
    "hot": "hot: 20 cached analytics/feedback requests",
    "hot_no_access_log": "hot, --no-access-log",
    "hot_small": "hot-small: 20 cached replies of ~0.7 KB",
    "errors": "errors: 10 invalid requests (400/401/404/422)",
    "cold_distinct": "cold-distinct: every request and window new",
    "cold_repeating": "cold-repeating: new requests, days recurring (60-day stretch)",
    "mixed": "mixed: 80 % cached, 15 % cold, 5 % heavy (90-day hourly)",
    "cold_distinct_2_workers": "cold-distinct, --workers 2",
    "cold_distinct_threads": "cold-distinct, --generation thread",
    "mixed_threads": "mixed, --generation thread",
    "hot_3_replicas": "hot, nginx + 3 replicas",
    "cold_distinct_3_replicas": "cold-distinct, nginx + 3 replicas",
    "sandbox_cold_feather": "cold-distinct, Feather only (sandbox)",
    "prism_cold": f"cold-distinct, Feather only (Prism {PRISM_VERSION})",
}
# Loads during which a cached request is also timed on its own connection.
PROBED = ("cold_distinct", "mixed", "cold_distinct_threads", "mixed_threads")
ROW_TARGETS = {"hot": ("hot_vs_bare", None), "errors": ("errors_vs_bare", None),
               "cold_distinct": ("cold_distinct_vs_bare", "cold_distinct_p99_ms"), "mixed": (None, "mixed_p99_ms")}


def render(results: dict[str, Any]) -> str:
    loads = results["loads"]
    bare = loads["bare"]["rps"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {dt.date.today().isoformat()}. Machine: {results['machine']}.",
        f"Load generator: {results['wrk']} (C), {WRK_THREADS} thread(s), {CONNECTIONS} keep-alive connections, "
        f"{SECONDS:g} s per run, on 127.0.0.1 in its own process. Each sandbox row is a fresh sandbox with its "
        "defaults (one worker, access log on and written to /dev/null) unless the row says otherwise; cached rows "
        "are warmed for 2 s first. Ratios are to the bare route measured in the same run.",
        "",
        "## Load",
        "",
        "| Workload | Requests/s | p50 ms | p99 ms | p99.9 ms | KB/reply | vs bare | Target | Statuses |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label in LOAD_ROWS.items():
        if name not in loads or loads[name] is None:
            continue
        run = loads[name]
        ratio = run["rps"] / bare
        verdicts = []
        ratio_target, p99_target = ROW_TARGETS.get(name, (None, None))
        if ratio_target:
            verdicts.append("ratio " + _verdict(ratio_target, ratio, True))
        if p99_target:
            verdicts.append("p99 " + _verdict(p99_target, run["p99_ms"], False))
        errors = f", {run['errors']} socket errors" if run["errors"] else ""
        lines.append(f"| {label} | {run['rps']:,.0f} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} | {run['p999_ms']:.1f} | "
                     f"{run['kb_per_reply']:.1f} | {ratio:.3f} | {'; '.join(verdicts)} | {run['statuses']}{errors} |")
    probed = [(name, loads[name]["probe"]) for name in PROBED if "probe" in (loads.get(name) or {})]
    if probed:
        lines += ["", "A cached request during the load, on one more connection (one request every 10 ms; "
                      "bench/probe.py): heavy requests do not hold up cheap ones.", "",
                  "| During | Requests | p50 ms | p99 ms | max ms | Failures |", "|---|---|---|---|---|---|"]
        for name, seen in probed:
            lines.append(f"| {LOAD_ROWS[name]} | {seen['requests']} | {seen.get('p50_ms', 0):.1f} | "
                         f"{seen.get('p99_ms', 0):.1f} | {seen.get('max_ms', 0):.1f} | {seen['failures']} |")
    if "cold_distinct_2_workers" in loads:
        scale = loads["cold_distinct_2_workers"]["rps"] / loads["cold_distinct"]["rps"]
        lines += ["", f"`--workers 2` / one worker on cold-distinct: **{scale:.2f}x** "
                      f"({_verdict('workers_2_vs_1', scale, True)})."]
    if "cold_distinct_threads" in loads:
        lines += [f"Generation in a child process (the default) / on threads (`--generation thread`): cold-distinct "
                  f"**{loads['cold_distinct']['rps'] / loads['cold_distinct_threads']['rps']:.2f}x**, mixed "
                  f"**{loads['mixed']['rps'] / loads['mixed_threads']['rps']:.2f}x** (p99 "
                  f"{loads['mixed']['p99_ms']:,.0f} against {loads['mixed_threads']['p99_ms']:,.0f} ms)."]
    if "hot_3_replicas" in loads:
        lines += [f"Three replicas behind nginx / one sandbox: hot {loads['hot_3_replicas']['rps'] / loads['hot']['rps']:.2f}x, "
                  f"cold-distinct {loads['cold_distinct_3_replicas']['rps'] / loads['cold_distinct']['rps']:.2f}x "
                  "(on this machine's cores the replicas, nginx and wrk share two CPUs)."]
    if "prism_cold" in loads:
        ratio = loads["sandbox_cold_feather"]["rps"] / loads["prism_cold"]["rps"]
        lines += ["", f"Sandbox / Prism {PRISM_VERSION} on the same Feather-only cold workload: **{ratio:.1f}x** "
                      f"({_verdict('cold_vs_prism', ratio, True)})."]
    else:
        lines += ["", "Prism was not measured on this run (no Node/npm, BENCH_PRISM=0, or it did not start)."]
    generation = results["generation"]
    lines += ["", "## Generation (in-process, median of 7, empty memo, including JSON rendering)", "",
              "| Request | ms | Target |", "|---|---|---|"]
    labels = {"dashboard_7d_hour_ms": "7-day dashboard at hour (Monday to Sunday)",
              "dashboard_7d_hour_offweek_ms": "7-day dashboard at hour, Tuesday to Monday (two kept weeks)",
              "dashboard_365d_day_ms": "365-day dashboard at day",
              "escalation_31d_minute_ms": "31-day escalation rate at minute (44,640 rows)",
              "feedback_31d_ms": "31-day feedback stats at 300 s, 3 metrics, 2 percentiles"}
    for key, label in labels.items():
        lines.append(f"| {label} | {generation[key]:.1f} | {_verdict(key, generation[key], False)} |")
        if key.startswith("dashboard_") and f"{key[:-3]}_kept_ms" in generation:
            lines.append(f"| {label}, its days already drawn by an earlier request over a wider window | "
                         f"{generation[key[:-3] + '_kept_ms']:.1f} | (the target is judged on the empty memo above) |")
    for label, ms in generation["resources"].items():
        target = "" if "first request" in label else f"{'met' if ms <= 2 else '**missed**'} (≤ 2, median)"
        lines.append(f"| {label} | {ms:.2f} | {target} |")
    lines.append(f"| generic response, largest Feather schema ({generation['generic_operation']}) | "
                 f"{generation['generic_largest_ms']:.2f} | |")
    lines += _floor_lines(generation["cold_floor"], loads)
    lines += ["", "### By analytics family (slowest operation of each, median of 5, empty memo)", "",
              "| Family | Operations | 7-day at hour (Monday to Sunday) | 7-day at hour (Tuesday to Monday) "
              "| 365-day at day | Dashboard / its slowest panel (365 days) | Dashboard / slowest operation |",
              "|---|---|---|---|---|---|---|"]
    for family, row in generation["families"].items():
        def verdict(name: str, value: float) -> str:
            return "met" if value <= FAMILY_TARGETS[name] else f"**missed** (≤ {FAMILY_TARGETS[name]})"
        ratio = row["dashboard_vs_panel"]
        lines.append(f"| {family} | {row['operations']} | {row['hour_7d_ms']:.1f} ms ({row['hour_7d_op']}; "
                     f"{verdict('hour_7d_ms', row['hour_7d_ms'])}) | {row['hour_7d_off_ms']:.1f} ms "
                     f"({row['hour_7d_off_op']}; {verdict('hour_7d_ms', row['hour_7d_off_ms'])}) | "
                     f"{row['day_365d_ms']:.1f} ms ({row['day_365d_op']}; "
                     f"{verdict('day_365d_ms', row['day_365d_ms'])}) | "
                     + ("-" if ratio is None else f"{ratio:.1f}x ({row['slowest_panel']}; "
                                                  f"{verdict('dashboard_vs_panel', ratio)})") + " | "
                     + ("-" if row["dashboard_vs_operation"] is None else f"{row['dashboard_vs_operation']:.1f}x")
                     + " |")
    lines += ["", "## Startup and memory", "",
              "- Startup to first answered analytics request, full contracts (median over the fresh sandboxes): "
              f"{results['startup_s']:.2f} s "
              f"({_verdict('startup_s', results['startup_s'], False)}).",
              f"- Memory after each workload, largest (per worker, its generation process included), {SETTLE_S:g} s "
              f"after the load ended: PSS {results['pss_mb']:.0f} MB "
              f"({_verdict('pss_mb', results['pss_mb'], False)}); as the load ended (requests still finishing, "
              f"freed memory not yet handed back): {results['pss_at_end_mb']:.0f} MB. PSS counts each page the "
              "two processes share since the fork once; their RSS summed counts it in both: "
              f"{results['rss_mb']:.0f} MB.",
              "",
              "## What limits it",
              "",
              "- **The generator is not the limit**: wrk against nginx's fixed body is the ceiling row, several times "
              "the bare route.",
              "- **Hot requests** are answered from a bounded cache keyed by the request's bytes (responses are "
              "deterministic, so this is exact): routing, the credential check, one blake2b digest and sending are "
              "all that is left, about 8 us in-process. Each response leaves in one socket write (uvicorn writes a "
              "response's head and body separately; `server.CoalescingTransport` joins the writes of one event-loop "
              "step), the header deadline is one timer per connection, and a body's deadline is swept by one timer "
              "for all requests (`http/deadlines.py`), not armed per request. The access log takes each request's "
              "status from the dispatcher; the request path only reads the performance counter twice and appends "
              "one tuple, and a writer thread formats each 100 ms batch in one plain loop (about 0.9 us a line, "
              "its wall-clock stamps from one clock reading a batch). What is left against the bare route is the "
              "size of the replies (the KB/reply column: hot-small, with replies of the bare route's size, is "
              "closer to 1x) and the log: the ratio without it is 8-13 % higher, of which, measured by stubbing "
              "each part out on 2026-12-07, taking each request's facts on the request path is about 5 % and the "
              "writer (its formatting holds the interpreter lock the event loop needs) about 3 %. Across runs the "
              "hot ratio moves by a few hundredths with the machine: on 2026-12-07's machine (bare route 28-29k "
              "req/s, 32.8k on 2026-12-04) the code of 2026-12-04 measured 0.75-0.76x in alternating runs, this "
              "code 0.77-0.79x (0.75-0.81x across the day's full runs, 0.79-0.81x in the last four); it sits at the 0.8x "
              "line. The "
              "tail: the contracts are frozen out of the garbage collector before serving (`gc.freeze()`; a full "
              "collection walking them held one request in a thousand for ~30 ms) and the writer yields every 256 "
              "lines, which brought the hot p99.9 from 32 ms to about 4 ms.",
              *_cold_limit(results),
              *_mixed_limit(loads),
              *_prism_limit(loads),
              *_family_limit(results["generation"]["families"]),
              "- **Dashboard generation** (empty memo) misses its 2 ms / 5 ms targets: a dashboard draws the window "
              "and the previous window (its summary compares the two), and on an empty memo the kept runs round each "
              "up to whole weeks of every leaf (Monday to Sunday; a 7-day window from another weekday is two); "
              "most of it is those draws (the hour split, the Poisson day "
              "counts, the hashing), already drawn level by level only for segments that hold events. With its "
              "days already kept (the rows below each target) it still takes about 2.7 ms and 6.5 ms. Since "
              "2026-12-07 the panels over its window (summary, by integration, by mode) ask for their latency "
              "figures together and get them in one roll-up pass (`measures.window_figures_of`, the same floats "
              "as alone; the four percentiles are one stacked array too), and an unfiltered panel no longer copies "
              "the window's day cells (3.3 -> 2.7 ms and 8.2 -> 6.5 ms). A cProfile of the kept 7-day dashboard "
              "now puts about a third in those figures (still a few dozen numpy calls on arrays of a handful of "
              "groups, where per-call overhead is the cost), a fifth in cutting the hour series and a fifth in its "
              "latency timeseries. Against its own slowest panel every dashboard is within 2x: the panels share "
              "the runs.",
              "- **Memory**: a fresh sandbox's serving process is about 80 MB (contracts, libraries; an operation's "
              "request validator is built at its first request, which took startup from 0.95 s to about 0.65 s); "
              "its generation process is forked from it once startup is done, so the two share those pages "
              "copy-on-write (`gc.freeze()` before the fork keeps the collector from writing to them): about 95 MB "
              "PSS for the two, 150 MB if each one's RSS is counted whole. Then the serving process's response "
              "cache (32 MiB of bodies, each copied out of orjson's twice-as-large buffer when kept) and, in the "
              "generation process, the world memo (32 MiB), the brief memo of windows' own figures (8 MiB) and "
              "the validators fill. The generation process keeps no response cache (it would double the "
              "replies): a request equal in meaning to a cached one but not in bytes (parameters in another "
              "order) is generated again there, to the same bytes. Freed memory goes back to the system when the "
              "generation lane falls idle, which is why memory is read a second after the load ends; as the load "
              "ends it is higher (the second figure).",
              ""]
    return "\n".join(lines)


def _cold_limit(results: dict[str, Any]) -> list[str]:
    """What limits cold requests, and the decision taken on the cold targets, with this run's numbers."""
    loads, floor = results["loads"], results["generation"]["cold_floor"]
    bare, cold = loads["bare"]["rps"], loads.get("cold_distinct", {}).get("rps")
    kept, first = floor["kept"]["rps"], floor["first"]["rps"]
    target = TARGETS["cold_distinct_vs_bare"] * bare
    lines = [
        "- **Cold requests**: every request the reply cache has not seen is validated and generated off the event "
        "loop, by default in a child process the server forks at startup (`http/process_lane.py`; "
        "`--generation thread` runs the same workers on threads in the server itself: the thread rows above). "
        "One worker thread takes the jobs one after another: the work is Python and numpy under one "
        "interpreter lock, and two threads running together were slower than one after the other (each numpy "
        "call hands the lock over and back; with wrk on 2026-12-07, cold-distinct went from 252 to 349 req/s and "
        "its p99 from 343 to 261 ms); it takes its next job from a queue without a round trip through an event "
        "loop; a helper thread takes the waiting jobs only while the running one has run past 20 ms, so a heavy "
        "request holds cheap ones back by about that long. On threads in the server, the loop and the worker "
        "still took turns on that lock: for kept-run escalation rates the loop thread switched context about 5 "
        "times a request and the worker 3.4 times (from /proc), and a request took 0.52 ms of CPU in all against "
        "0.27 ms answered on the loop; answering on the loop itself was faster (455 req/s cold-distinct) but "
        "made every cached reply wait behind generation (the probe's p50 went from 0.4 to 94 ms): rejected. The "
        "child process gives the loop and the generation a lock each: the ratio row above (\"Generation in a "
        "child process / on threads\") is that gain, and cached replies during that load are answered at "
        "least as fast (the probe table). "
        "Each job crosses a socket pickled (the dispatcher and its operations travel as numbers: the child "
        "forked with them), about 10 us a request. Every leaf's "
        "day and hour draws are kept in week-long runs (Monday to Sunday) across requests (docs/world.md, Kept "
        "cells), compactly (hour counts in one or two bytes, one latency factor per leaf and day), and each day's "
        "feedback row minutes (two bytes a row): the 32 MiB memo holds about four years of every family's runs, "
        "all that cold-distinct touches, and a window's own figures are kept apart in a small memo so windows "
        "that never recur do not push the runs out. An 8-s run is mostly the first pass over those four years.",
        f"- **What a cold request is made of** (the table \"What drawing the world costs a cold request\" above): "
        f"drawing the world is about {1 - first / kept:.0%} of a first request; the rest is each request's own "
        "work on what is kept: the feedback rows' payload values and percentiles (about 70 ns a row, numpy's own "
        "floor: one hash, one Box-Muller normal, one sort per row), a dashboard's seven panels (a few hundred "
        "numpy calls on arrays of a handful of groups, where each call's fixed cost is the cost), and for every "
        "request the hand-over to the worker thread, validation and rendering. The draws themselves are "
        "counter-based hashing, the binomial hour split and Poisson inversion: exact inverse-CDF searches, "
        "vectorised, whose cost at these sizes is mostly numpy's per-call overhead.",
        f"- **The cold targets, and the decision taken on 2026-12-07.** 0.1x the bare route is {target:,.0f} "
        f"req/s, {1000 / target:.2f} ms a request. The cold floor shows that a world whose draws cost nothing "
        f"would answer this mix at about {kept:,.0f} req/s in-process (this run's cold-distinct: "
        + (f"{cold:,.0f}" if cold else "-") + " req/s): the draws are a third of a cold request, so neither a "
        "compiled helper for them (measured at 45 % of cold time: 1.4-1.7x at best, a wheel to build per "
        "platform) nor a world drawn top-down (work proportional to the data returned; every published byte "
        "would change, and the invariants would have to be proved again) can reach the target; only moving the "
        "whole request (panels, feedback statistics, validation, rendering) out of Python could. So the sandbox "
        "keeps its bottom-up world, its published bytes and numpy, and the targets it cannot reach in this "
        "design (cold-distinct's ratio and p99, mixed p99, the empty-memo dashboard times) stay in the tables "
        "as missed, each with its limit named here. `--workers N` is the way to more cold throughput: it "
        "scales with cores.",
    ]
    return lines

def _mixed_limit(loads: dict[str, Any]) -> list[str]:
    """Why the mixed workload's p99 is a cold request's wait, with this run's numbers (Little's law)."""
    mixed = loads.get("mixed")
    if not mixed:
        return []
    cold_per_s = mixed["rps"] * 0.2
    line = (f"- **Mixed p99** is a cold request's wait. wrk is a closed loop: each of its {CONNECTIONS} connections "
            "sends its next request when the last is answered, and cached replies come back within a millisecond, "
            "so nearly every connection is soon waiting on one of the 20 % cold or heavy requests. A cold request "
            f"then waits about {CONNECTIONS} / {cold_per_s:,.0f} cold requests answered per second = "
            f"{CONNECTIONS / cold_per_s * 1000:,.0f} ms (Little's law); a p99 of 50 ms at this concurrency needs about "
            f"{CONNECTIONS / 0.05:,.0f} cold requests a second, the same gap as cold-distinct.")
    probe = mixed.get("probe")
    if probe and probe.get("requests"):
        line += (f" A cached request arriving during that load is answered in {probe['p50_ms']:.1f} ms "
                 f"(p99 {probe['p99_ms']:.1f} ms; the probe table above).")
    return [line]


def _prism_limit(loads: dict[str, Any]) -> list[str]:
    """Why the sandbox is not 3x Prism on cold Feather requests, with this run's numbers."""
    ours, prism = loads.get("sandbox_cold_feather"), loads.get("prism_cold")
    if not ours or not prism:
        return []
    return [f"- **Against Prism** ({ours['rps'] / prism['rps']:.1f}x on the Feather-only cold workload; target 3x): "
            "the two do different work. Prism fills each reply from the schema alone "
            f"({prism['kb_per_reply']:.1f} KB a reply on this run, numbers that break the invariants, "
            "../shared/reference/mock-server-anchors.md), where the sandbox draws every analytics number from the "
            f"world ({ours['kb_per_reply']:.1f} KB a reply); the sandbox's cold rate is bounded by what the cold "
            "requests above are made of, not by serving. Its tail is where it is far ahead: p99 "
            f"{ours['p99_ms']:,.0f} ms against Prism's {prism['p99_ms']:,.0f} ms."]


def _family_limit(families: dict[str, dict[str, Any]]) -> list[str]:
    """Which family's 365-day operation misses its 10 ms, and what a profile of it shows."""
    slow = {name: f for name, f in families.items() if f["day_365d_ms"] > FAMILY_TARGETS["day_365d_ms"]}
    if not slow:
        return []
    named = ", ".join(f"{name} ({f['day_365d_op']}, {f['day_365d_ms']:.1f} ms)" for name, f in slow.items())
    line = f"- **365 days at day, per family** (target {FAMILY_TARGETS['day_365d_ms']} ms; over it: {named})."
    if "integrations" in slow:
        line += (" The integrations summary compares the window with the one before, so on an empty memo it draws "
                 "two years of every integration's days: a cProfile on 2026-12-07 (17 ms a request) put three "
                 "quarters in those draws (a third of the request in splitting the hours of the days whose latency "
                 "changes within the day, a bad hour's or an effect's, so their latency moments are exact; a sixth "
                 "in the Poisson day counts; an eighth in each day's plan), an eighth in cutting and joining the "
                 "kept runs and the rest in its figures. Each of those is a handful of numpy calls per kept run, at "
                 "numpy's per-call floor; with its days kept (an earlier request over those years) it takes 2.4 ms.")
    return [line]


if __name__ == "__main__":
    raise SystemExit(main())
