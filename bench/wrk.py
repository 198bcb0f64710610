"""Load with wrk, a C load generator, driven through a generated Lua script.

The workload's requests are written, already formatted, to a file the script
reads at start (a Lua chunk cannot hold tens of thousands of them); each wrk thread
starts at its own offset and walks the list in order, so a list longer than the
run's request count means no request repeats (cold-distinct). A ``response``
hook counts statuses, and ``done`` prints one JSON line: requests, seconds,
socket errors, statuses and latency percentiles (microseconds from wrk's own
histogram). wrk is Debian's ``wrk`` package; :func:`find_wrk` says how to get it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["find_wrk", "run_wrk", "wrk_version"]

LUA = r"""
local requests = {}
local counter = 0
local threads = {}

-- The requests, already formatted as raw HTTP/1.1 by bench/wrk.py, separated by NUL bytes.
local file = assert(io.open("%(requests)s", "rb"))
local raw = file:read("*a")
file:close()
for request in string.gmatch(raw, "([^%%z]+)") do
  requests[#requests + 1] = request
end

function setup(thread)
  thread:set("offset", counter * math.floor(#requests / %(threads)d))
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  index = offset
  statuses = {}
end

function request()
  index = index + 1
  if index > #requests then index = 1 end
  return requests[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests_)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%%s": %%d', status, n) end
  io.write(string.format(
    '\nRESULT {"requests": %%d, "bytes": %%d, "seconds": %%f, "errors": %%d, "p50_us": %%d, "p99_us": %%d, "p999_us": %%d, ' ..
    '"max_us": %%d, "statuses": {%%s}}\n',
    summary.requests, summary.bytes, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    table.concat(parts, ", ")))
end
"""


def find_wrk() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    """``wrk 4.1.0`` or the like, from its banner."""
    wrk = find_wrk()
    if wrk is None:
        return "wrk (missing)"
    banner = subprocess.run([wrk, "--version"], capture_output=True, text=True)
    words = (banner.stdout or banner.stderr).split()
    return " ".join(words[:2]) if words else "wrk"


def raw_request(request: dict[str, Any], port: int) -> bytes:
    """One workload entry as the bytes wrk sends (keep-alive HTTP/1.1)."""
    body = b"" if request.get("body") is None else json.dumps(request["body"], separators=(",", ":")).encode()
    lines = [f"{request.get('method', 'GET')} {request['path']} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in (request.get("headers") or {}).items()]
    if body:
        lines += ["content-type: application/json", f"content-length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run_wrk(port: int, workload: list[dict[str, Any]], seconds: float, connections: int, threads: int = 2,
            timeout_s: int = 10) -> dict[str, Any]:
    """One wrk run against 127.0.0.1:port; returns rps, p50/p99/p99.9 in ms, statuses and errors."""
    wrk = find_wrk()
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as temp:
        requests = Path(temp) / "requests.bin"
        requests.write_bytes(b"\0".join(raw_request(r, port) for r in workload))
        script = Path(temp) / "workload.lua"
        script.write_text(LUA % {"requests": requests, "threads": threads})
        out = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
                              "--timeout", f"{timeout_s}s", "-s", str(script), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=seconds + 120, check=True)
    found = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if not found:
        raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    line = found[0]
    raw = json.loads(line.removeprefix("RESULT "))
    return {
        "rps": raw["requests"] / raw["seconds"],
        "requests": raw["requests"],
        "kb_per_reply": raw["bytes"] / max(raw["requests"], 1) / 1024,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "p999_ms": raw["p999_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": raw["errors"],
        "statuses": {int(k): v for k, v in sorted(raw["statuses"].items())},
    }
