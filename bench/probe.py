"""A cheap request's latency while a load runs: one more keep-alive connection, one request at a time.

wrk's percentiles mix every request of a workload, so under the mixed workload its p99
is a cold request's. Whether heavy requests stall cheap ones is a different question:
this probe sends one cached request every ``interval`` seconds on its own connection,
from a thread of the bench process (which is otherwise waiting for wrk), and times
each reply. A plain socket and a fixed raw request keep the probe itself cheap.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

__all__ = ["Probe"]


@dataclass
class Probe:
    """Started before a load and stopped after it; ``latencies_ms`` holds one entry per 200 reply, and
    ``failures`` counts connection errors and every other reply."""

    port: int
    raw_request: bytes
    interval: float = 0.01
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Probe:
        self._thread = threading.Thread(target=self._run, name="bench-probe", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return {"requests": 0, "failures": self.failures}

        def at(share: float) -> float:
            return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

        return {"requests": len(ordered), "failures": self.failures, "p50_ms": at(0.5), "p99_ms": at(0.99),
                "max_ms": ordered[-1]}

    def _run(self) -> None:
        connection: socket.socket | None = None
        while not self._stop.is_set():
            began = time.perf_counter()
            try:
                if connection is None:
                    connection = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                connection.sendall(self.raw_request)
                if _read_reply(connection) == 200:
                    self.latencies_ms.append((time.perf_counter() - began) * 1000)
                else:
                    self.failures += 1
            except OSError:
                self.failures += 1
                if connection is not None:
                    connection.close()
                connection = None
            self._stop.wait(max(0.0, self.interval - (time.perf_counter() - began)))
        if connection is not None:
            connection.close()


def _read_reply(connection: socket.socket) -> int:
    """Read one HTTP/1.1 reply with a Content-Length (every reply the sandbox sends to the probe has one); its
    status, or 0 when what came back does not start as a reply (a previous one read short would show here)."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the probe's connection")
        buffer += chunk
    head, _, body = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the probe's connection mid-body")
        body += chunk
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") or not status_line[1].isdigit():
        return 0
    return int(status_line[1])
