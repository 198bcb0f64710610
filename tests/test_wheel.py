"""The package as a user installs it: a built wheel in a fresh environment, used outside the checkout.

The wheel is built from this tree and installed, without the checkout on the
path, into a new virtual environment. Its dependencies are borrowed from the
test environment through a ``.pth`` line (installing them again would only time
pip): the sandbox, its contracts and fixtures, and the pytest plugin all come
from the wheel. ``.ci/run`` also installs the wheel with its dependencies from
the index, as ``pip install`` would on a new machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Iterator

import httpx2 as httpx
import pytest

from mockserver.process import start_server

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-01-15T12:00:00Z"
README_EXAMPLE = ("/v1/analytics/sessions/escalation-rate?start_date=2026-03-02&end_date=2026-03-08"
                  "&granularity=day&channel=voice")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh environment holding only the wheel; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(work / "dist"), str(ROOT)], check=True, capture_output=True, cwd=work)
    wheel = next((work / "dist").glob("mockserver-*.whl"))
    env_dir = work / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, cwd=work)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    yield env_dir / "bin"


def test_the_wheel_carries_its_data_and_imports_from_itself(installed: Path, tmp_path: Path) -> None:
    code = "import mockserver.paths as p; print(p.PACKAGE_DIR); print(all(c.is_file() for c in p.BUNDLED_CONTRACTS))"
    out = subprocess.run([str(installed / "python"), "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(installed.parent)) and out[1] == "True"


def test_the_installed_command_serves_the_readme_example_from_any_directory(installed: Path, tmp_path: Path) -> None:
    server = start_server(command=[str(installed / "mockserver"), "serve", "--port", "0", "--now", NOW], cwd=str(tmp_path))
    try:
        answer = httpx.get(server.url + README_EXAMPLE, headers={"x-api-key": "demo"})
        scenarios = httpx.get(server.url + "/_mock/scenarios").json()
    finally:
        server.stop()
    assert answer.status_code == 200 and len(answer.json()) == 7
    assert {s["name"] for s in scenarios["scenarios"]} >= {"baseline", "incident", "empty"}
    expected = _in_checkout(README_EXAMPLE)
    assert answer.content == expected, "the wheel's world is the checkout's world"


def _in_checkout(target: str) -> bytes:
    from starlette.testclient import TestClient

    from mockserver.app import create_app
    from mockserver.cli import parse_serve_args

    with TestClient(create_app(parse_serve_args(["--now", NOW, "--no-access-log"]))) as client:
        return client.get(target, headers={"x-api-key": "demo"}).content


def test_an_sdk_test_suite_uses_the_plugin(installed: Path, tmp_path: Path) -> None:
    suite = tmp_path / "sdk-tests"
    shutil.copytree(ROOT / "examples" / "pytest", suite)
    result = subprocess.run([str(installed / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
