"""Every knob of the sandbox in one frozen object, built by the CLI or by tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mockserver.paths import BUNDLED_CONTRACTS, FIXTURES_DIR

__all__ = ["Settings", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Documented limits (README, "Limits"); each has a test."""

    max_body_bytes: int = 1 << 20  # 1 MiB -> 413
    max_range_days: int = 1096  # analytics windows: three years (plus a leap day) -> 400
    max_buckets: int = 50_000  # rows per analytics timeseries response -> 400
    max_delay_ms: int = 10_000  # Prefer: delay= is capped here
    cache_entries: int = 2048  # distinct rendered responses kept (responses are deterministic)
    cache_bytes: int = 32 << 20  # ... and at most this many bytes of bodies
    max_header_bytes: int = 32 << 10  # request line + all headers -> 431, connection closed
    header_timeout_s: float = 10.0  # a connection must finish its request headers this soon -> closed
    body_timeout_s: float = 30.0  # an announced body must arrive this soon -> 408
    keep_alive_s: int = 5  # an idle kept-alive connection is closed after this
    shutdown_timeout_s: int = 5  # on SIGTERM, requests in flight get this long
    generation_threads: int = 2  # validations/generations running at once
    generation_queue: int = 64  # ... and waiting; beyond this -> 503 + Retry-After


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    specs: tuple[Path, ...] = BUNDLED_CONTRACTS
    fixtures: Path = FIXTURES_DIR  # catalog.yaml, feedback.yaml, scenarios/, pinned/
    api_keys: frozenset[str] = frozenset()
    basic_auth: frozenset[tuple[str, str]] = frozenset()
    bearer_tokens: frozenset[str] = frozenset()  # HTTP bearer, OAuth 2 and OpenID Connect schemes of --spec contracts
    cors_origins: tuple[str, ...] = ()
    scenario: str = "baseline"
    now: dt.datetime | None = None  # frozen sandbox clock; None = wall clock
    access_log: bool = True
    log_format: str = "text"  # or "json": one JSON object per line (mockserver/logs.py)
    workers: int = 1  # processes sharing the listening socket (mockserver/workers.py)
    # Where ``mockserver serve`` validates and generates: "process", a child process of each worker forked at
    # startup (mockserver/http/process_lane.py), or "thread", threads beside the event loop. An app made with
    # create_app() (tests, the pytest plugin) always uses threads in its own process.
    generation: str = "process"
    limits: Limits = field(default_factory=Limits)
