"""The bad-input campaign: raw-socket and HTTP probes for every class of crash or stall found so far, plus
seeded mutations of valid requests, against a real server. Kept in the repo and run two ways:

* ``make test`` runs :func:`run` with ``full=False`` (every hand-built probe once, a few hundred mutations);
* ``make fuzz`` runs ``python -m tests.fuzz``: every probe, 20,000 mutations, 20 concurrent heavy requests
  beside a ``/healthz`` probe, and Schemathesis in negative mode over every operation of both contracts.

A probe passes when the server answers with a status below 500 (or, for the few probes meant to be cut off,
closes the connection), within :data:`ANSWER_WITHIN` seconds, and ``/healthz`` still answers afterwards.
Every request goes to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urlsplit

__all__ = ["Probe", "probes", "mutations", "run", "Report", "CAMPAIGN_LIMITS"]

ANSWER_WITHIN = 20.0
# The server under test gets short slow-client deadlines, so probes that stall are cut off in seconds.
CAMPAIGN_LIMITS = {"header_timeout_s": 1.0, "body_timeout_s": 1.0, "keep_alive_s": 1}
KEY = b"x-api-key: fuzz\r\n"
BASIC = b"authorization: Basic " + base64.b64encode(b"fuzz:fuzz") + b"\r\n"


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    kind: str  # the hardening class it covers
    data: bytes
    closes: bool = False  # meant to be cut off: a close without an answer passes
    full_only: bool = False  # slow by design (a capped 10 s delay): left out of the make test subset
    asked: str = ""  # a status the probe asks for (Prefer: code=503 forces an outage): that exact status passes


def _request(method: str, target: str, body: bytes = b"", headers: bytes = KEY, ctype: bytes = b"application/json",
             length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    head = f"{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n".encode()
    if body or length is not None:
        head += b"content-type: " + ctype + b"\r\ncontent-length: " + str(size).encode() + b"\r\n"
    return head + headers + b"\r\n" + body


def _json(target: str, body: bytes, headers: bytes = KEY) -> bytes:
    return _request("POST", target, body, headers)


def _stats(body: dict[str, object]) -> bytes:
    return _json("/feedback/stats", json.dumps(body).encode(), BASIC)


ANALYTICS = "/v1/analytics/sessions/escalation-rate?start_date=2026-03-02&end_date=2026-03-08"
WEEK = {"project_id": "p", "start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"}
SCORE = [{"json_path": "output.score", "aggregations": ["avg", "max"], "percentiles": [50, 99]}]


def probes() -> list[Probe]:
    """Every hand-built probe, by class (the numbers are the hardening issue's items)."""
    found: list[Probe] = []

    def add(name: str, kind: str, data: bytes, closes: bool = False, full_only: bool = False, asked: str = "") -> None:
        found.append(Probe(name, kind, data, closes, full_only, asked))

    for n in (1_000, 20_000, 31_000):
        add(f"prefer-spaces-{n}", "1 prefer", _request("GET", ANALYTICS, headers=KEY + b"prefer: a" + b" " * n + b"x\r\n"))
    add("prefer-50k", "1 prefer", _request("GET", "/healthz", headers=b"prefer: a" + b" " * 50_000 + b"x\r\n"))
    add("prefer-commas", "1 prefer", _request("GET", ANALYTICS, headers=KEY + b"prefer: " + b"," * 30_000 + b"\r\n"))
    add("prefer-quote", "1 prefer", _request("GET", ANALYTICS, headers=KEY + b'prefer: example="' + b"\\" * 20_000 + b"\r\n"))
    add("prefer-params", "1 prefer", _request("GET", ANALYTICS, headers=KEY + b"prefer: seed=1" + b";a=b" * 7_000 + b"\r\n"))
    add("header-1mb", "1 headers", _request("GET", "/healthz", headers=b"x-big: " + b"a" * (1 << 20) + b"\r\n"))
    add("headers-many", "1 headers", _request("GET", "/healthz", headers=b"".join(b"x-h%d: v\r\n" % i for i in range(5_000))))
    add("path-8k", "1 headers", _request("GET", "/v1/agents/" + "a" * 8_000))
    for size in (40_000, 1_000_000):
        to = json.dumps({"to": ["a" * size]}).encode()
        add(f"email-{size}", "2 patterns", _json("/v1/email/drafts", to))
    add("email-at-signs", "2 patterns", _json("/v1/email/drafts", json.dumps({"to": ["@" * 500_000 + "."]}).encode()))
    for depth in (128, 129, 254, 1023, 1024, 100_000):
        add(f"json-depth-{depth}", "3 nesting", _json("/v1/email/drafts", b"[" * depth + b"]" * depth))
    add("json-depth-objects", "3 nesting", _json("/v1/email/drafts", b'{"a":' * 5_000 + b"1" + b"}" * 5_000))
    add("json-flat-200k", "3 nesting", _json("/v1/email/drafts", b"[" + b"0," * 200_000 + b"0]"))
    for digits in (19, 20, 30, 4_300, 4_301, 100_000):
        add(f"int-{digits}-digits", "4 numbers", _json("/v1/email/drafts", b'{"to": ' + b"9" * digits + b"}"))
    for literal in (b"1e400", b"-1e400", b"NaN", b"Infinity", b"-0", b"1" + b"0" * 400 + b".5"):
        add(f"number-{literal[:8].decode()}", "4 numbers", _json("/v1/email/drafts", b'{"to": ' + literal + b"}"))
    for escape in (b"\\ud800", b"\\udfff", b"\\ud800\\ud800", b"\\ud83d\\ude00", b"\\u0000"):
        add(f"string-{escape.decode()}", "5 text", _json("/v1/email/drafts", b'{"to": "' + escape + b'"}'))
    add("body-not-utf8", "5 text", _json("/v1/email/drafts", b'{"to": "\xff\xfe"}'))
    add("body-bom", "5 text", _json("/v1/email/drafts", b'\xef\xbb\xbf{"to": []}'))
    for granularity in (2**63 - 1, 2**63, 2**64, 10**30, -1, 0, 1, 1e19, 0.5):
        add(f"weave-granularity-{granularity}", "6 weave numbers",
            _stats({**WEEK, "granularity": granularity, "metrics": SCORE}))
    add("weave-many-buckets", "6 weave numbers", _stats({**WEEK, "end": "2026-02-05T00:00:00Z", "granularity": 1,
                                                           "metrics": SCORE}))
    for start in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z",
                  "9999-12-31T23:59:59Z", "2026-01-05T00:00:00+23:59"):
        add(f"weave-start-{start}", "7 dates", _stats({**WEEK, "start": start, "end": None, "metrics": SCORE}))
        add(f"weave-schema-{start}", "7 dates", _json("/feedback/payload_schema", json.dumps(
            {**WEEK, "start": start, "end": "9999-12-31T23:59:59Z"}).encode(), BASIC))
    add("weave-timezone", "7 dates", _stats({**WEEK, "timezone": "../../etc/passwd", "metrics": SCORE}))
    add("weave-timezone-long", "7 dates", _stats({**WEEK, "timezone": "A/" * 5_000, "metrics": SCORE}))
    add("weave-percentiles", "7 dates", _stats({**WEEK, "metrics": [{"json_path": "output.score",
                                                                      "percentiles": list(range(101)) * 50}]}))
    for value in (b"Basic \xff\xff", b"Basic " + base64.b64encode(b"\xff:\xff"), b"Basic " + base64.b64encode(b"nocolon"),
                  b"Basic ===", b"Bearer \x00", b"basic " + base64.b64encode(b"u:p") * 500):
        add(f"basic-{value[:12]!r}", "8 credentials", _json("/feedback/stats", json.dumps(WEEK).encode(),
                                                              b"authorization: " + value + b"\r\n"))
    for key in (b"\xff", b"\xc3\xa9", b" ", b"k" * 20_000):
        add(f"api-key-{key[:4]!r}", "8 credentials", _request("GET", ANALYTICS, headers=b"x-api-key: " + key + b"\r\n"))
    nested = (b'--XX\r\ncontent-disposition: form-data; name="metadata"\r\ncontent-type: multipart/mixed; boundary=YY\r\n\r\n'
              + b"--YY\r\ncontent-type: multipart/mixed; boundary=YY\r\n\r\n" * 1_000 + b"\r\n--XX--\r\n")
    add("multipart-nested", "9 multipart", _request("POST", "/v1/voice/calls", nested, ctype=b"multipart/form-data; boundary=XX"))
    flat = b"".join(b'--XX\r\ncontent-disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(15_000)) + b"--XX--\r\n"
    add("multipart-15k", "9 multipart", _request("POST", "/v1/voice/calls", flat, ctype=b"multipart/form-data; boundary=XX"))
    add("multipart-no-boundary", "9 multipart", _request("POST", "/v1/voice/calls", b"x", ctype=b"multipart/form-data"))
    add("multipart-garbage", "9 multipart", _request("POST", "/v1/voice/calls", b"\x00" * 1000,
                                                      ctype=b"multipart/form-data; boundary=" + b"B" * 2000))
    many_headers = b"--XX\r\n" + b"x-a: b\r\n" * 50 + b"\r\n\r\n--XX--"
    add("multipart-headers", "9 multipart", _request("POST", "/v1/voice/calls", many_headers,
                                                      ctype=b"multipart/form-data; boundary=XX"))
    add("urlencoded-100k", "9 multipart", _request("POST", "/v1/voice/calls", b"a=b&" * 100_000,
                                                    ctype=b"application/x-www-form-urlencoded"))
    add("websocket", "10 upgrade", b"GET /v1/agents HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\n"
                                   b"sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    add("h2c-upgrade", "10 upgrade", b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: Upgrade, HTTP2-Settings\r\n"
                                     b"upgrade: h2c\r\nhttp2-settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
    add("heavy-hourly-3y", "11 heavy", _request("GET", "/v1/analytics/sessions/escalation-rate?start_date=2023-01-01"
                                                       "&end_date=2025-12-31&granularity=hour"))
    add("heavy-minute-dashboard", "11 heavy", _request("GET", "/v1/analytics/integrations/dashboard?start_date=2026-01-01"
                                                              "&end_date=2026-01-31&granularity=minute"))
    add("stalled-headers", "13 slow clients", b"GET /healthz HTTP/1.1\r\nhost: x\r\n", closes=True)
    add("silent", "13 slow clients", b"", closes=True)
    add("stalled-body", "13 slow clients", _request("POST", "/v1/email/drafts", b'{"to"', length=100))
    add("announced-2mb", "13 slow clients", _request("POST", "/v1/email/drafts", b"", length=2_000_000))
    add("chunked-bad", "13 slow clients", b"POST /v1/email/drafts HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n"
                                          + KEY + b"\r\nzz\r\n")
    add("chunked-huge", "13 slow clients", b"POST /v1/email/drafts HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n"
                                           + KEY + b"\r\nFFFFFFFFFF\r\n" + b"a" * 1000)
    add("http-1.0", "13 slow clients", b"GET /healthz HTTP/1.0\r\n\r\n")
    add("not-http", "13 slow clients", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 200)
    for target in ("/v1/agents/%00", "/v1/agents/%2F..%2F", "/v1/agents/a%2520b", "/%ff%fe", "/v1/analytics/sessions/"
                   "escalation-rate?start_date=" + "9" * 30_000, "/v1/agents?" + "a=b&" * 6_000, "*"):
        add(f"target-{target[:24]}", "routing", _request("GET", target))
    for method in ("PATCH", "TRACE", "CONNECT", "BREW", "GET" * 100):
        add(f"method-{method[:8]}", "routing", _request(method, "/v1/agents"))
    for code in ("500", "503", "429", "599", "100", "204"):
        add(f"prefer-code-{code}", "prefer", _request("GET", ANALYTICS, headers=KEY + f"prefer: code={code}\r\n".encode()),
            asked=code if code.startswith("5") else "")
    add("prefer-delay", "prefer", _request("GET", ANALYTICS, headers=KEY + b"prefer: delay=999999999\r\n"), full_only=True)
    add("prefer-seed", "prefer", _request("GET", ANALYTICS, headers=KEY + b"prefer: seed=" + b"9" * 5_000 + b"\r\n"))
    return found


VALID = [
    _request("GET", ANALYTICS + "&granularity=day&channel=voice"),
    _request("GET", "/v1/analytics/integrations/dashboard?start_date=2026-03-02&end_date=2026-03-04&granularity=hour"),
    _json("/v1/email/drafts", json.dumps({"to": ["ada@example.com"], "subject": "hi", "session_id": "s",
                                          "account_id": "a"}).encode()),
    _stats({**WEEK, "timezone": "America/New_York", "metrics": SCORE}),
    _request("POST", "/v1/voice/calls", b'--XX\r\ncontent-disposition: form-data; name="audio"; filename="a.wav"\r\n\r\n'
                                        b"RIFF\r\n--XX--\r\n", ctype=b"multipart/form-data; boundary=XX"),
    _request("GET", "/v1/agents?limit=2"),
]


def mutations(count: int, seed: int = 0) -> Iterator[Probe]:
    """Seeded byte-level mutations of valid requests: flips, inserts, deletions, duplications, truncations."""
    rng = random.Random(seed)
    interesting = [b"\x00", b"\xff", b"\r\n", b'"', b"{", b"[", b"\\u", b"%", b"9" * 25, b" " * 300, b";", b","]
    for index in range(count):
        data = bytearray(rng.choice(VALID))
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            at = rng.randrange(len(data))
            action = rng.randrange(5)
            if action == 0:
                data[at] = rng.randrange(256)
            elif action == 1:
                data[at:at] = rng.choice(interesting)
            elif action == 2:
                del data[at:at + rng.randint(1, 8)]
            elif action == 3:
                data[at:at] = data[at:at + rng.randint(1, 64)] * rng.randint(2, 40)
            else:
                data = data[:at]
        yield Probe(f"mutation-{seed}-{index}", "mutation", bytes(data), closes=True)


@dataclass
class Report:
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")


def exchange(host: str, port: int, data: bytes, within: float = ANSWER_WITHIN) -> tuple[str, float]:
    """Send ``data``; the status code (or ``closed``/``no answer``) and the seconds it took."""
    started = time.perf_counter()
    with socket.create_connection((host, port), timeout=within) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may close early (431, 413): read what it said
        received = b""
        try:
            while b"\r\n" not in received and (chunk := sock.recv(4096)):
                received += chunk
        except TimeoutError:
            return "no answer", time.perf_counter() - started
        except OSError:
            pass
    line = received.split(b"\r\n", 1)[0]
    status = line.split(b" ")[1].decode("ascii", "replace") if line.startswith(b"HTTP/1.") and b" " in line else "closed"
    return status, time.perf_counter() - started


def _check(report: Report, probe: Probe, host: str, port: int) -> None:
    status, seconds = exchange(host, port, probe.data)
    report.sent += 1
    report.statuses[status[0] + "xx" if status[0].isdigit() else status] += 1
    report.slowest = max(report.slowest, (seconds, probe.name))
    server_error = status.isdigit() and int(status) >= 500 and status != probe.asked
    if status == "no answer" or (status == "closed" and not probe.closes) or server_error:
        report.failures.append(f"{probe.name} ({probe.kind}): {status} after {seconds:.2f}s")


def run(url: str, *, full: bool, seed: int = 0, log: Callable[[str], None] = lambda _: None) -> Report:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    report = Report()
    hand_built = [p for p in probes() if full or not p.full_only]
    for probe in hand_built:
        _check(report, probe, host, port)
    log(f"{len(hand_built)} hand-built probes: {dict(report.statuses)}")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda p: _check(report, p, host, port), mutations(20_000 if full else 200, seed)))
    log(f"mutations: {dict(report.statuses)}")
    if full:
        _burst(report, host, port, log)
    status, _ = exchange(host, port, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    if status != "200":
        report.failures.append(f"/healthz after the campaign: {status}")
    return report


def _burst(report: Report, host: str, port: int, log: Callable[[str], None]) -> None:
    """20 heavy requests at once; /healthz must keep answering (its p99 is reported by bench/soak.py)."""
    heavy = [_request("GET", f"/v1/analytics/sessions/escalation-rate?start_date=2023-01-{d:02d}&end_date=2025-12-31"
                             "&granularity=hour") for d in range(1, 21)]
    with ThreadPoolExecutor(24) as pool:
        futures = [pool.submit(exchange, host, port, data, 120.0) for data in heavy]
        health = [exchange(host, port, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                  for _ in range(20)]
        answers = [f.result() for f in futures]
    for status, seconds in answers + health:
        report.sent += 1
        report.statuses[status[0] + "xx" if status[0].isdigit() else status] += 1
        if not status.isdigit() or (int(status) >= 500 and status != "503"):
            report.failures.append(f"heavy burst: {status} after {seconds:.2f}s")
    log(f"burst: heavy {Counter(s for s, _ in answers)}, /healthz slowest {max(t for _, t in health) * 1000:.0f} ms")


def _schemathesis_negative(url: str, log: Callable[[str], None]) -> int:
    """Schemathesis in negative mode over every operation of both contracts: no answer may be a 5xx."""
    st = str(__import__("pathlib").Path(sys.executable).with_name("st"))
    failed = 0
    for contract, auth in (("feather", ["--header", "x-api-key: fuzz"]), ("weave", ["--auth", "fuzz:fuzz"])):
        argv = [st, "run", f"{url}/openapi/{contract}.json", "--url", url, "--mode", "negative", "--checks",
                "not_a_server_error", "--max-examples", "8", "--seed", "1", "--no-color", "--generation-database",
                ":memory:", *auth]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        summary = [line for line in result.stdout.splitlines() if "generated" in line or "issues" in line.lower()]
        log(f"schemathesis negative ({contract}): exit {result.returncode}; {' / '.join(s.strip() for s in summary[-2:])}")
        failed += result.returncode != 0
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description="The bad-input campaign against a fresh local sandbox.")
    parser.add_argument("--quick", action="store_true", help="the make test subset")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from tests.live import live_server

    with live_server(CAMPAIGN_LIMITS) as (url, _):
        started = time.perf_counter()
        report = run(url, full=not args.quick, seed=args.seed, log=print)
        failed_st = 0 if args.quick else _schemathesis_negative(url, print)
    print(f"{report.sent} requests in {time.perf_counter() - started:.0f}s; statuses {dict(report.statuses)}; "
          f"slowest {report.slowest[1]} {report.slowest[0]:.2f}s")
    for failure in report.failures:
        print("FAIL", failure)
    print(f"{len(report.failures)} failures, {failed_st} schemathesis runs with server errors")
    return 1 if report.failures or failed_st else 0


if __name__ == "__main__":
    sys.exit(main())
