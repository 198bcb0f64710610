"""Command line: ``mockserver serve``, ``mockserver fixtures`` and ``mockserver check``.

Every ``serve`` flag can also be set through ``MOCKSERVER_<FLAG>`` (upper case,
dashes as underscores); repeatable flags take a comma-separated list there.
A flag on the command line wins over the environment.

Exit codes: 0 after a clean shutdown, 2 for a usage or startup problem (one line
on stderr), 3 when the address cannot be bound (in use, not permitted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Sequence

from mockserver import __version__
from mockserver.feedback.catalog import FeedbackCatalogError
from mockserver.http.scalars import parse_datetime
from mockserver.paths import FIXTURES_DIR
from mockserver.pinned import PinnedError
from mockserver.settings import Settings
from mockserver.spec.contract import ContractError
from mockserver.world.catalog import CatalogError
from mockserver.world.scenarios import ScenarioError

__all__ = ["main", "parse_serve_args"]

ENV_PREFIX = "MOCKSERVER_"


def _env(name: str) -> str | None:
    return os.environ.get(ENV_PREFIX + name.upper().replace("-", "_"))


def _env_list(name: str) -> list[str]:
    raw = _env(name)
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else []


def _basic_pair(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise argparse.ArgumentTypeError(f"expected USER:PASSWORD, got {text!r}")
    return user, password


def _instant(text: str) -> dt.datetime:
    value, problem = parse_datetime(text)
    if problem is not None or value is None:
        raise argparse.ArgumentTypeError(f"expected an RFC 3339 date-time such as 2026-01-15T12:00:00Z, got {text!r}")
    return value.astimezone(dt.timezone.utc)


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not -(2**63) <= seed < 2**63:
        raise argparse.ArgumentTypeError("seed must fit in 64 bits")
    return seed


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"port must be 0-65535 (0: any free port), got {port}")
    return port


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, got {text!r}") from None
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError(f"workers must be 1-64, got {count}")
    return count


def _flag(group: argparse.ArgumentParser, name: str, help: str, **options: Any) -> None:
    """A ``serve`` flag whose help names its environment variable (``--api-key`` -> ``MOCKSERVER_API_KEY``)."""
    variable = ENV_PREFIX + name.lstrip("-").upper().replace("-", "_")
    group.add_argument(name, help=f"{help} [env {variable}]", **options)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description="Contract-testing sandbox for Feather and Weave APIs.")
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the sandbox server",
        description="Run the sandbox. The first line on standard output is the URL it listens on. Every flag can "
                    "also be set through the environment variable named in its help; repeatable flags take a "
                    "comma-separated list there; the command line wins.")
    _flag(serve, "--host", "interface to listen on (default 127.0.0.1)", default=_env("host") or "127.0.0.1")
    # String defaults go through ``type`` too, so a bad MOCKSERVER_* value gets argparse's clear error.
    _flag(serve, "--port", "port (default 8000; 0 picks a free port, printed on the first line)", type=_port,
          default=_env("port") or "8000")
    _flag(serve, "--workers", "processes sharing the port (default 1); answers are identical in each", type=_workers,
          default=_env("workers") or "1")
    _flag(serve, "--generation", "process (default): validate and generate in a child process of each worker, "
          "beside its event loop rather than under its interpreter lock; thread: on threads in the same process",
          choices=["process", "thread"], default=_env("generation") or "process")
    _flag(serve, "--seed", "world seed (default 0)", type=_seed, default=_env("seed") or "0")
    _flag(serve, "--spec", "OpenAPI 3.x contract (JSON or YAML) to serve instead of the bundled ones (repeatable)",
          action="append", type=Path, default=None)
    _flag(serve, "--fixtures", "directory with catalog.yaml, feedback.yaml, scenarios/ and pinned/ "
          "(default: the bundled ones; `mockserver fixtures DIR` copies them out)", type=Path, default=_env("fixtures"))
    _flag(serve, "--api-key", "accept only this x-api-key (repeatable; default: any non-empty key)", action="append",
          default=None)
    _flag(serve, "--basic-auth", "accept only this USER:PASSWORD for HTTP Basic (repeatable; default: any)",
          action="append", type=_basic_pair, default=None)
    _flag(serve, "--bearer-token", "accept only this Bearer token for HTTP bearer, OAuth 2 and OpenID Connect schemes "
          "(repeatable; default: any)", action="append", default=None)
    _flag(serve, "--cors-origin", "extra CORS origin besides localhost/127.0.0.1 (repeatable)", action="append",
          default=None)
    _flag(serve, "--scenario", "default scenario (default baseline)", default=_env("scenario") or "baseline")
    _flag(serve, "--now", "freeze the sandbox clock, e.g. 2026-01-15T12:00:00Z (default: wall clock)", type=_instant,
          default=_env("now"))
    _flag(serve, "--no-access-log", "do not log one line per request", action="store_true",
          default=bool(_env("no_access_log")))
    _flag(serve, "--log-format", "text (default) or json: one JSON object per log line", choices=["text", "json"],
          default=_env("log_format") or "text")
    fixtures = commands.add_parser("fixtures", help="copy the bundled fixtures into a directory, to edit and serve "
                                                    "with --fixtures")
    fixtures.add_argument("directory", type=Path, help="where to copy them (must not exist yet)")
    check = commands.add_parser("check", help="check an implementation against a bundled contract and the data rules")
    check.add_argument("--base-url", required=True, help="where the implementation answers, e.g. http://127.0.0.1:8000")
    check.add_argument("--contract", choices=["feather", "weave"], default="feather", help="contract to check (default feather)")
    auth = check.add_mutually_exclusive_group()
    auth.add_argument("--api-key", help="x-api-key to send (Feather)")
    auth.add_argument("--basic-auth", type=_basic_pair, help="USER:PASSWORD to send (Weave)")
    check.add_argument("--operations", help="only paths matching this regular expression, e.g. '^/v1/analytics/'")
    check.add_argument("--max-examples", type=int, default=20, help="examples per operation (default 20)")
    check.add_argument("--junit-xml", type=Path, help="also write a JUnit XML report here")
    check.add_argument("--seed", type=int, help="Schemathesis seed, to reproduce a run")
    return parser


def parse_serve_args(argv: Sequence[str]) -> Settings:
    args = _build_parser().parse_args(["serve", *argv])
    return _settings(args)


def _settings(args: argparse.Namespace) -> Settings:
    defaults = Settings()
    specs = tuple(args.spec) if args.spec else tuple(Path(p) for p in _env_list("spec")) or defaults.specs
    keys = args.api_key if args.api_key is not None else _env_list("api_key")
    basic = args.basic_auth if args.basic_auth is not None else [_basic_pair(p) for p in _env_list("basic_auth")]
    origins = args.cors_origin if args.cors_origin is not None else _env_list("cors_origin")
    tokens = args.bearer_token if args.bearer_token is not None else _env_list("bearer_token")
    return Settings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        specs=specs,
        fixtures=args.fixtures or defaults.fixtures,
        api_keys=frozenset(keys),
        basic_auth=frozenset(basic),
        bearer_tokens=frozenset(tokens),
        cors_origins=tuple(origins),
        scenario=args.scenario,
        now=args.now,
        access_log=not args.no_access_log,
        log_format=args.log_format,
        workers=args.workers,
        generation=args.generation,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(_settings(args))
    if args.command == "fixtures":
        return _copy_fixtures(args.directory)
    if args.command == "check":
        from mockserver.check.runner import CheckOptions, run_check

        return run_check(CheckOptions(args.base_url, args.contract, args.api_key, args.basic_auth, args.operations,
                                      args.max_examples, args.junit_xml, args.seed))
    return 2


def _copy_fixtures(directory: Path) -> int:
    if directory.exists():
        print(f"mockserver: {directory} already exists; name a new directory", file=sys.stderr)
        return 2
    try:
        shutil.copytree(FIXTURES_DIR, directory)
    except OSError as exc:
        print(f"mockserver: cannot copy the fixtures to {directory} ({exc.strerror or exc})", file=sys.stderr)
        return 2
    print(f"copied the bundled fixtures to {directory}; edit them and run: mockserver serve --fixtures {directory}")
    return 0


def _serve(settings: Settings) -> int:
    from mockserver.app import create_served_app
    from mockserver.logs import configure_logging
    from mockserver.server import bind, serve
    from mockserver.workers import run_workers

    configure_logging(settings.log_format)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        print(f"mockserver: cannot listen on {settings.host}:{settings.port} ({exc.strerror or exc})", file=sys.stderr)
        return 3
    try:
        app, before_serving = create_served_app(settings)
    except (ContractError, ScenarioError, PinnedError, CatalogError, FeedbackCatalogError, ValueError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        sock.close()
        return 2
    except Exception as exc:  # a problem no loader foresaw: still one line, never a traceback
        print(f"mockserver: cannot start ({type(exc).__name__}: {' '.join(str(exc).split())})", file=sys.stderr)
        sock.close()
        return 2
    url = base_url(settings.host, sock.getsockname()[1])
    print(url, flush=True)  # the first line of standard output: what a test harness reads to find the server
    logger = logging.getLogger("mockserver")
    open_auth = not (settings.api_keys or settings.basic_auth or settings.bearer_tokens)
    mode = "any non-empty credential" if open_auth else "configured credentials only"
    workers = "" if settings.workers == 1 else f", {settings.workers} workers"
    logger.info(
        "serving %s on %s (seed %d, scenario %s, auth: %s%s)",
        ", ".join(p.name for p in settings.specs), url, settings.seed, settings.scenario, mode, workers,
    )
    if open_auth and not is_loopback(settings.host):
        logger.warning("listening on %s, reachable from other machines, and accepting any credential: "
                       "pass --api-key / --basic-auth / --bearer-token to require real ones", settings.host)
    if settings.workers == 1:
        serve(app, settings.limits, sock, before_serving)
        return 0
    return run_workers(lambda: serve(app, settings.limits, sock, before_serving), settings.workers,
                       settings.limits.shutdown_timeout_s)


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; every other address (0.0.0.0 and :: included) reaches the network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
