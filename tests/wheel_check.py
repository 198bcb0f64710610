"""The wheel as a new machine installs it: ``pip install mockserver-*.whl`` with its dependencies from the index.

``python -m tests.wheel_check`` (``make wheel-check``, run by ``.ci/run``) builds
the wheel, installs it and pytest into a new virtual environment, and then,
from a directory outside the checkout: serves the README's first example with
the installed ``mockserver`` command, and runs ``examples/pytest`` (an SDK
author's test file using the plugin). ``tests/test_wheel.py`` does the same in
``make test`` with the dependencies borrowed, to stay fast.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import httpx2 as httpx

from mockserver.process import start_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ("/v1/analytics/sessions/escalation-rate?start_date=2026-03-02&end_date=2026-03-08"
           "&granularity=day&channel=voice")


def main() -> int:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--wheel-dir", str(work / "dist"), str(ROOT)], check=True, cwd=work)
        wheel = next((work / "dist").glob("mockserver-*.whl"))
        venv.EnvBuilder(with_pip=True).create(work / "env")
        bin_dir = work / "env" / "bin"
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel), "pytest"], check=True,
                       cwd=work)
        server = start_server(command=[str(bin_dir / "mockserver"), "serve", "--port", "0"], cwd=str(work))
        try:
            answer = httpx.get(server.url + EXAMPLE, headers={"x-api-key": "demo"})
        finally:
            server.stop()
        print(f"installed mockserver served {EXAMPLE}: {answer.status_code}, {len(answer.json())} rows")
        shutil.copytree(ROOT / "examples" / "pytest", work / "sdk-tests")
        suite = subprocess.run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                str(work / "sdk-tests")], cwd=work, capture_output=True, text=True)
        print(suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else suite.stderr)
        return 0 if answer.status_code == 200 and len(answer.json()) == 7 and suite.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
