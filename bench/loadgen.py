"""A small HTTP/1.1 keep-alive load generator, run in its own process.

``python bench/loadgen.py PORT REQUESTS.json SECONDS CONNECTIONS`` sends the
requests round-robin over CONNECTIONS persistent connections for SECONDS and
prints one JSON line: requests, errors (transport), status counts and latency
percentiles. Raw asyncio streams keep the client cheap enough that, on two
cores, the server under test is the bottleneck.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


async def _worker(port: int, payloads: list[bytes], offset: int, deadline: float, latencies: list[float],
                  statuses: dict[int, int], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = offset
    try:
        while time.perf_counter() < deadline:
            payload = payloads[index % len(payloads)]
            index += 1
            started = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    except (ConnectionError, asyncio.IncompleteReadError):
        errors.append(1)
    finally:
        writer.close()


def _encode(request: dict[str, Any], port: int) -> bytes:
    body = request.get("body")
    data = json.dumps(body).encode() if body is not None else b""
    lines = [f"{request.get('method', 'GET')} {request['path']} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in request.get("headers", {}).items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def _main(port: int, requests: list[dict[str, Any]], seconds: float, connections: int) -> dict[str, Any]:
    payloads = [_encode(r, port) for r in requests]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(port, payloads, i * 7, deadline, latencies, statuses, errors)
                           for i in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}, "transport_errors": len(errors)}


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    port_arg, path_arg, seconds_arg, connections_arg = sys.argv[1:5]
    with open(path_arg, encoding="utf-8") as handle:
        workload = json.load(handle)
    result = asyncio.run(_main(int(port_arg), workload, float(seconds_arg), int(connections_arg)))
    print(json.dumps(result))
