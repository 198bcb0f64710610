"""A sandbox in a child process on a free port: what the pytest plugin's ``mockserver_url`` runs.

``mockserver serve --port 0`` binds a free port and prints its URL as the first
line of standard output; :func:`start_server` reads that line, so parallel test
runs never guess ports. The server's log goes to a temporary file (an unread
pipe would fill up and block the server), and is quoted when the server cannot
start.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Sequence

__all__ = ["ServerProcess", "start_server"]

START_TIMEOUT_S = 60.0


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    _final_log: str | None = None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if requests in flight do not finish in ``timeout`` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self._final_log is None:
            self._final_log = self.log_text()
            self.log.close()

    def log_text(self) -> str:
        """What the server wrote to stderr so far (all of it, once stopped)."""
        if self._final_log is not None:
            return self._final_log
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


def start_server(args: Sequence[str] = (), *, command: Sequence[str] | None = None,
                 env: dict[str, str] | None = None, cwd: str | None = None) -> ServerProcess:
    """Start ``mockserver serve --port 0 ARGS`` (or ``command``, which must print its URL first) and wait for its URL."""
    argv = list(command) if command is not None else [sys.executable, "-m", "mockserver", "serve", "--port", "0", *args]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, env={**os.environ, **(env or {})}, cwd=cwd)
    assert process.stdout is not None
    server = ServerProcess("", process, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        if not ready:
            server.stop()
            raise RuntimeError(f"the sandbox printed no URL within {START_TIMEOUT_S:.0f} s: {server.log_text()}")
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            process.wait()
            text = server.log_text().strip()
            server.stop()
            raise RuntimeError(f"the sandbox exited with {process.returncode}: {text}")
        line += chunk
    server.url = line.decode("ascii").strip()
    return server
