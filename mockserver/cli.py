"""Command line: ``mockserver serve`` and ``mockserver check``.

Every ``serve`` flag can also be set through ``MOCKSERVER_<FLAG>`` (upper case,
dashes as underscores); repeatable flags take a comma-separated list there.
A flag on the command line wins over the environment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from mockserver import __version__
from mockserver.feedback.catalog import FeedbackCatalogError
from mockserver.http.scalars import parse_datetime
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
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port must be 1-65535, got {port}")
    return port


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description="Contract-testing sandbox for Feather and Weave APIs.")
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default=_env("host") or "127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    # String defaults go through ``type`` too, so a bad MOCKSERVER_* value gets argparse's clear error.
    serve.add_argument("--port", type=_port, default=_env("port") or "8000", help="port (default 8000)")
    serve.add_argument("--seed", type=_seed, default=_env("seed") or "0", help="world seed (default 0)")
    serve.add_argument("--spec", action="append", type=Path, default=None,
                       help="OpenAPI JSON contract to serve instead of the bundled ones (repeatable)")
    serve.add_argument("--fixtures", type=Path, default=_env("fixtures"),
                       help="directory with catalog.yaml, feedback.yaml, scenarios/ and pinned/ (default: the bundled fixtures/)")
    serve.add_argument("--api-key", action="append", default=None,
                       help="accept only this x-api-key (repeatable; default: any non-empty key)")
    serve.add_argument("--basic-auth", action="append", type=_basic_pair, default=None,
                       help="accept only this USER:PASSWORD for HTTP Basic (repeatable; default: any)")
    serve.add_argument("--cors-origin", action="append", default=None,
                       help="extra CORS origin besides localhost/127.0.0.1 (repeatable)")
    serve.add_argument("--scenario", default=_env("scenario") or "baseline", help="default scenario (default baseline)")
    serve.add_argument("--now", type=_instant, default=_env("now"),
                       help="freeze the sandbox clock, e.g. 2026-01-15T12:00:00Z (default: wall clock)")
    serve.add_argument("--no-access-log", action="store_true", default=bool(_env("no_access_log")),
                       help="do not log one line per request")
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
    return Settings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        specs=specs,
        fixtures=args.fixtures or defaults.fixtures,
        api_keys=frozenset(keys),
        basic_auth=frozenset(basic),
        cors_origins=tuple(origins),
        scenario=args.scenario,
        now=args.now,
        access_log=not args.no_access_log,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(_settings(args))
    if args.command == "check":
        from mockserver.check.runner import CheckOptions, run_check

        return run_check(CheckOptions(args.base_url, args.contract, args.api_key, args.basic_auth, args.operations,
                                      args.max_examples, args.junit_xml, args.seed))
    return 2


def _serve(settings: Settings) -> int:
    from mockserver.app import create_app
    from mockserver.server import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("python_multipart").setLevel(logging.ERROR)  # one line per malformed upload is noise
    try:
        app = create_app(settings)
    except (ContractError, ScenarioError, PinnedError, CatalogError, FeedbackCatalogError, ValueError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a problem no loader foresaw: still one line, never a traceback
        print(f"mockserver: cannot start ({type(exc).__name__}: {' '.join(str(exc).split())})", file=sys.stderr)
        return 2
    logger = logging.getLogger("mockserver")
    open_auth = not (settings.api_keys or settings.basic_auth)
    mode = "any non-empty credential" if open_auth else "configured credentials only"
    logger.info(
        "serving %s on http://%s:%d (seed %d, scenario %s, auth: %s)",
        ", ".join(p.name for p in settings.specs), settings.host, settings.port, settings.seed, settings.scenario, mode,
    )
    if open_auth and not is_loopback(settings.host):
        logger.warning("listening on %s, reachable from other machines, and accepting any credential: "
                       "pass --api-key / --basic-auth to require real ones", settings.host)
    serve(app, settings.host, settings.port, settings.limits)
    return 0


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; every other address (0.0.0.0 and :: included) reaches the network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
