"""Runs Schemathesis with the bundled contract and the sandbox's checks against a base URL.

Exit status: 0 when everything holds, 1 when a check fails, 2 when the target
cannot be reached or the arguments are wrong.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mockserver.check.gaps import REPLACED
from mockserver.paths import CONTRACTS_DIR

__all__ = ["CheckOptions", "run_check"]

CONFIG = """\
[checks]
positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429"]
"""


@dataclass(frozen=True, slots=True)
class CheckOptions:
    base_url: str
    contract: str = "feather"
    api_key: str | None = None
    basic_auth: tuple[str, str] | None = None
    operations: str | None = None
    max_examples: int = 20
    junit_xml: Path | None = None
    seed: int | None = None


def reachable(base_url: str) -> str | None:
    """None when something answers HTTP at the base URL; otherwise why not."""
    try:
        urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=5)
    except urllib.error.HTTPError:
        return None  # any HTTP answer, even 404, means a server is there
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))
    return None


def command(options: CheckOptions, config_path: Path) -> list[str]:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    argv = [st, "--config-file", str(config_path), "run", str(CONTRACTS_DIR / f"{options.contract}.openapi.json"),
            "--url", options.base_url, "--max-examples", str(options.max_examples), "--checks", "all",
            "--exclude-checks", ",".join(check.__name__ for check in REPLACED), "--no-color"]
    if options.api_key:
        argv += ["--header", f"x-api-key: {options.api_key}"]
    if options.basic_auth:
        argv += ["--auth", f"{options.basic_auth[0]}:{options.basic_auth[1]}"]
    if options.operations:
        argv += ["--include-path-regex", options.operations]
    if options.junit_xml:
        argv += ["--report", "junit", "--report-junit-path", str(options.junit_xml)]
    if options.seed is not None:
        argv += ["--seed", str(options.seed)]
    return argv


def run_check(options: CheckOptions) -> int:
    problem = reachable(options.base_url)
    if problem is not None:
        print(f"mockserver check: cannot reach {options.base_url}: {problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        config_path = Path(scratch) / "schemathesis.toml"
        config_path.write_text(CONFIG, encoding="utf-8")
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "mockserver.check.hooks"}
        result = subprocess.run(command(options, config_path), env=env)
    if result.returncode == 0:
        return 0
    return 1 if result.returncode == 1 else 2
