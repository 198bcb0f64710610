"""A real sandbox process on a free port, for what only a real socket shows (limits, timeouts, upgrades).

``python -m tests.live LIMITS_JSON SETTINGS_JSON --port PORT`` serves the
bundled contracts with those :class:`~mockserver.settings.Limits` and settings;
:func:`live_server` starts one, :func:`serving` any server command, and each
yields the base URL and the process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ContextManager, Iterator

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(argv: list[str], env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``argv --port PORT`` on a free port until it answers ``/healthz``; yield its URL and process."""
    port = free_port()
    # The server's log goes to a file, never an unread pipe: a full pipe would block its writes (and the server).
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([*argv, "--port", str(port)], cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except Exception:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode(errors="replace")) from None
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def live_server(limits: dict[str, Any] | None = None,
                settings: dict[str, Any] | None = None) -> ContextManager[tuple[str, subprocess.Popen[bytes]]]:
    """The bundled contracts served with these limits and settings."""
    return serving([sys.executable, "-m", "tests.live", json.dumps(limits or {}), json.dumps(settings or {})])


def _main() -> None:
    from mockserver.app import create_served_app
    from mockserver.server import bind, serve
    from mockserver.settings import Limits, Settings

    limits, settings, port = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[4])  # ... --port PORT
    if "api_keys" in settings:
        settings["api_keys"] = frozenset(settings["api_keys"])
    chosen = Limits(**limits)
    # As ``mockserver serve`` does: generation in a child process unless the settings say "thread".
    app, before_serving = create_served_app(Settings(access_log=False, limits=chosen, **settings))
    serve(app, chosen, bind("127.0.0.1", port), before_serving)


if __name__ == "__main__":
    _main()
