"""Regressions for the bad-input campaign (issue "Hardening"): no request crashes a response or stalls the server.

One test (or a few) per class of problem found. What needs a real socket runs
against a real server process (``tests/live.py``) with short limits; timing is
never asserted beyond "it finished" bounds that only a hang would break.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.cli import main
from mockserver.http.body import MAX_JSON_DEPTH
from mockserver.http.constraints import pattern_matches
from mockserver.http.prefer import PreferError, parse_prefer
from mockserver.paths import FIXTURES_DIR
from tests.conftest import make_client
from tests.live import ROOT, free_port, live_server

EMAIL = "/v1/email/drafts"
JSON = {"content-type": "application/json"}
FEEDBACK = {"project_id": "p", "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}
HEAVY = {"start_date": "2023-01-01", "end_date": "2025-12-31", "granularity": "hour"}


def finishes(job: Callable[[], Any], seconds: float = 10.0) -> Any:
    """Run ``job``; fail (instead of hanging the suite) if it does not return within ``seconds``."""
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", _capture(job)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not finish within {seconds} s"
    value = box["value"]
    if isinstance(value, BaseException):
        raise value
    return value


def _capture(job: Callable[[], Any]) -> Any:
    try:
        return job()
    except BaseException as exc:  # handed back to the caller
        return exc


def exchange(url: str, data: bytes, wait: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes or ``wait`` passes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(data)
        sock.settimeout(wait)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            received += b"<still open>"
        return received


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with make_client() as c:
        c.headers["x-api-key"] = "k"
        yield c


# 1. Prefer: linear parsing, bounded headers -------------------------------------------------------
def test_a_prefer_value_with_a_long_run_of_spaces_is_refused_in_linear_time() -> None:
    with pytest.raises(PreferError, match="cannot read"):
        finishes(lambda: parse_prefer("a" + " " * 200_000 + "x"))
    assert parse_prefer('seed = 3 , example="a, b";p=1').seed == 3


def test_huge_headers_get_431_and_the_server_stays_up() -> None:
    with live_server() as (url, _):
        answer = exchange(url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nPrefer: a" + b" " * 50_000 + b"x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431 ") and b"32768 bytes" in answer
        assert httpx.get(url + "/healthz").json() == {"status": "ok"}


# 2. Contract patterns run on a linear-time engine --------------------------------------------------
def test_the_email_pattern_on_a_mebibyte_is_answered() -> None:
    email = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    assert finishes(lambda: pattern_matches(email, "a" * (1 << 20))) is False
    assert pattern_matches(email, "ada@example.com") and not pattern_matches(email, "ada example.com")


def test_a_long_email_in_a_body_is_a_422_not_a_stall(client: TestClient) -> None:
    response = finishes(lambda: client.post(EMAIL, json={"to": ["a" * 900_000]}))
    assert response.status_code == 422


# 3-5. One JSON decoding path with explicit limits --------------------------------------------------
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 254, 1023, 5000])
def test_json_nested_past_the_limit_is_a_documented_400(client: TestClient, depth: int) -> None:
    response = client.post(EMAIL, content=b"[" * depth + b"]" * depth, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message":
                               f"Request body nests JSON deeper than the sandbox limit of {MAX_JSON_DEPTH} levels"}


def test_json_at_the_depth_limit_is_validated_as_usual(client: TestClient) -> None:
    depth = MAX_JSON_DEPTH
    response = client.post(EMAIL, content=b'{"to":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}", headers=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["type"] == "missing"


def test_integers_past_the_interpreters_digit_limit_are_fastapis_400(client: TestClient) -> None:
    response = client.post(EMAIL, content=b'{"to": ' + b"9" * 4301 + b"}", headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "There was an error parsing the body"}
    at_the_limit = client.post(EMAIL, content=b'{"to": ' + b"9" * 4300 + b"}", headers=JSON)
    assert at_the_limit.status_code == 422 and b"9" * 4300 in at_the_limit.content


def test_integers_past_64_bits_are_kept_exactly(client: TestClient) -> None:
    response = client.post(EMAIL, content=b'{"to": ' + b"9" * 30 + b"}", headers=JSON)
    assert response.status_code == 422
    assert b'"input":{"to":' + b"9" * 30 + b"}" in response.content, "echoed as the integer sent, not a float"


def test_a_lone_surrogate_escape_is_a_400_and_a_pair_is_text(client: TestClient) -> None:
    lone = client.post(EMAIL, content=b'{"to": "\\ud800"}', headers=JSON)
    assert lone.status_code == 400 and lone.json()["message"] == "There was an error parsing the body"
    pair = client.post(EMAIL, content=b'{"to": "\\ud83d\\ude00"}', headers=JSON)
    assert pair.status_code == 422 and "\U0001F600" in json.dumps(pair.json(), ensure_ascii=False)


# 6-7. Weave arithmetic at the edges -----------------------------------------------------------------
@pytest.mark.parametrize("granularity", [2**63, 2**64, 10**30])
def test_a_granularity_past_int64_is_one_epoch_bucket(client: TestClient, granularity: int) -> None:
    body = {**FEEDBACK, "granularity": granularity, "metrics": [{"json_path": "output.score"}]}
    response = client.post("/feedback/stats", content=json.dumps(body), headers=JSON, auth=("u", "p"))
    assert response.status_code == 200
    stats = response.json()
    assert stats["granularity"] == granularity
    assert [b["timestamp"] for b in stats["buckets"]] == ["1970-01-01T00:00:00+00:00"]
    assert stats["buckets"][0]["count"] > 0


@pytest.mark.parametrize("operation", ["/feedback/stats", "/feedback/payload_schema"])
def test_an_offset_that_leaves_year_one_is_a_400(client: TestClient, operation: str) -> None:
    body = {**FEEDBACK, "start": "0001-01-01T00:00:00+05:00"}
    response = client.post(operation, json=body, auth=("u", "p"))
    assert response.status_code == 400
    assert response.json() == {"reason": "start and end must fall within years 1-9999 once converted to UTC"}


# 8. Credentials are bytes ---------------------------------------------------------------------------
def test_non_ascii_basic_credentials_are_a_401(client: TestClient) -> None:
    response = client.post("/feedback/stats", json=FEEDBACK, headers={"authorization": b"Basic \xff\xfe"})
    assert response.status_code == 401 and response.json() == {"detail": "Not authenticated"}


def test_non_ascii_keys_compare_as_utf8_bytes() -> None:
    with make_client(api_keys=frozenset({"sécret"})) as c:
        path, params = "/v1/analytics/sessions/status-breakdown", {"start_date": "2026-03-02", "end_date": "2026-03-02"}
        assert c.get(path, params=params, headers={"x-api-key": "sécret".encode()}).status_code == 200
        assert c.get(path, params=params, headers={"x-api-key": b"\xff"}).status_code == 401
        assert c.get(path, params=params, headers={"x-api-key": "secret"}).status_code == 401


# 9. Multipart: Starlette's parser and limits --------------------------------------------------------
def _parts(count: int) -> bytes:
    return b"".join(b'--XX\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(count)) + b"--XX--\r\n"


def test_too_many_parts_get_starlettes_400(client: TestClient) -> None:
    response = client.post("/v1/voice/calls", content=_parts(15_000),
                           headers={"content-type": "multipart/form-data; boundary=XX"})
    assert response.status_code == 400
    assert response.json()["message"] == "Too many fields. Maximum number of fields is 1000."


def test_nested_multipart_is_just_bytes_in_a_part(client: TestClient) -> None:
    nested = (b'--XX\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: multipart/mixed; boundary=YY\r\n\r\n'
              + b"--YY\r\nContent-Type: multipart/mixed; boundary=YY\r\n\r\n" * 1000 + b"\r\n--XX--\r\n")
    response = client.post("/v1/voice/calls", content=nested, headers={"content-type": "multipart/form-data; boundary=XX"})
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["body", "audio"]]


def test_a_multipart_body_without_boundary_is_a_400(client: TestClient) -> None:
    response = client.post("/v1/voice/calls", content=b"x", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 400 and response.json()["message"] == "Missing boundary in multipart."


# 10, 13. What only a socket shows: upgrades, slow clients, early 413 -------------------------------
SHORT = {"header_timeout_s": 0.5, "body_timeout_s": 0.5, "keep_alive_s": 1, "shutdown_timeout_s": 1}


@pytest.fixture(scope="module")
def short_server() -> Iterator[str]:
    with live_server(SHORT) as (url, _):
        yield url


def test_a_websocket_upgrade_is_refused_with_403(short_server: str) -> None:
    answer = exchange(short_server, b"GET /v1/agents HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                                    b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 403 ")


def test_unfinished_headers_and_silent_connections_are_closed(short_server: str) -> None:
    assert exchange(short_server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", wait=5) == b""
    assert exchange(short_server, b"", wait=5) == b""


def test_headers_dripped_after_a_first_request_are_cut_off_at_the_deadline(short_server: str) -> None:
    """One header timer per connection: it must still catch a later request on a kept-alive connection."""
    parts = urlsplit(short_server)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        time.sleep(0.3)  # most of the first timer's span has passed: the dripping request needs its own deadline
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        closed_after = None
        for _ in range(20):  # a header line every 0.1 s, for up to 2 s: never finished
            try:
                sock.sendall(b"x-drip: 1\r\n")
                sock.settimeout(0.1)
                if sock.recv(65536) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:  # reset by the closed connection
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None and 0.4 <= closed_after <= 1.0, closed_after


def test_a_stalled_body_gets_408(short_server: str) -> None:
    answer = exchange(short_server, b"POST /v1/email/drafts HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
                                    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"to\"", wait=5)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"did not arrive within 0.5 seconds" in answer


def test_an_announced_oversized_body_gets_413_before_it_is_sent(short_server: str) -> None:
    answer = exchange(short_server, b"POST /v1/email/drafts HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
                                    b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n", wait=5)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"payload_too_large" in answer


def test_sigterm_ends_a_stalled_upload_within_the_shutdown_deadline() -> None:
    with live_server({**SHORT, "body_timeout_s": 60}) as (url, process):
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            sock.sendall(b"POST /v1/email/drafts HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(0.3)
            process.send_signal(signal.SIGTERM)
            assert finishes(lambda: process.wait(), 15) is not None


# 11. Heavy requests off the event loop, a bounded queue ---------------------------------------------
def test_a_full_generation_queue_answers_503_with_retry_after() -> None:
    with live_server({"generation_threads": 1, "generation_queue": 0}) as (url, _):
        def heavy(day: int) -> httpx.Response:
            return httpx.get(url + "/v1/analytics/sessions/escalation-rate", headers={"x-api-key": "k"}, timeout=60,
                             params={**HEAVY, "start_date": f"2023-01-{day:02d}"})

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(heavy, range(1, 5)))
            assert httpx.get(url + "/healthz").status_code == 200, "the event loop is free while they run"
        statuses = sorted(a.status_code for a in answers)
        assert statuses[0] == 200 and statuses[-1] == 503
        refused = next(a for a in answers if a.status_code == 503)
        assert refused.headers["retry-after"] == "1" and refused.json()["error"] == "service_unavailable"


def test_a_job_finishing_after_the_lane_closed_still_answers() -> None:
    """Lifespan shutdown closes the generation pool while a request may still be generating: that request's
    answer must still come back (handing memory back to the system afterwards used to raise, a 500)."""
    from mockserver.http import lane as lane_module

    lane = lane_module.GenerationLane(threads=1, max_waiting=1)
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        time.sleep(lane_module.TRIM_AFTER_BUSY_S)  # long enough to want memory handed back afterwards
        return "answer"

    async def scenario() -> str:
        running = asyncio.ensure_future(lane.run(slow))
        await asyncio.sleep(0.05)
        lane.close()
        release.set()
        return await running

    assert asyncio.run(scenario()) == "answer"


json_values = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([1.0, 0.0, -0.0, 2.5])
                           | st.text(max_size=2),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                                     max_size=3), max_leaves=8)


@given(st.lists(json_values, max_size=6))
def test_unique_items_agrees_with_jsonschemas_own_equality(items: list[Any]) -> None:
    """The linear uniqueItems check says what jsonschema's pairwise one says (1 == 1.0, true != 1, objects by
    their members)."""
    from jsonschema import Draft202012Validator

    from mockserver.http.schema_check import SchemaCheck

    ours = SchemaCheck({"type": "array", "uniqueItems": True}, {}).errors(items, ["body"]) == []
    assert ours == Draft202012Validator({"uniqueItems": True}).is_valid(items)


def test_unique_items_of_a_large_body_are_checked_in_linear_time(tmp_path: Path) -> None:
    """60,000 objects in a 0.7 MB body: jsonschema's own check compared every pair (minutes on a generation
    thread); now the body is answered in well under the test's bound, and a duplicate is still refused."""
    schema = {"type": "array", "uniqueItems": True, "items": {"type": "object"}}
    spec = tmp_path / "unique.json"
    spec.write_text(json.dumps(_document({"/u": {"post": {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}}}, "responses": {"200": {"description": "ok"}}}}})))
    distinct = "[" + ",".join('{"a":%d}' % i for i in range(60_000)) + "]"
    with make_client(specs=(spec,)) as client:
        assert finishes(lambda: client.post("/u", content=distinct, headers={"content-type": "application/json"}),
                        10).status_code == 200
        repeated = distinct[:-1] + ',{"a":7}]'
        refused = finishes(lambda: client.post("/u", content=repeated, headers={"content-type": "application/json"}),
                           10)
        assert refused.status_code == 422 and refused.json()["detail"][0]["type"] == "schema_uniqueItems"


def test_unique_items_are_made_in_one_pass(tmp_path: Path) -> None:
    """A response of 10,000 unique objects (the most minItems allows): each new item is checked against the
    ones made by its JSON key, not compared with every one of them."""
    item = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    schema = {"type": "array", "minItems": 10_000, "uniqueItems": True, "items": item}
    spec = tmp_path / "unique-response.json"
    spec.write_text(json.dumps(_document({"/u": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": schema}}}}}}})))
    with make_client(specs=(spec,)) as client:
        body = finishes(lambda: client.get("/u"), 10).json()
    assert len(body) == 10_000 and len({json.dumps(x, sort_keys=True) for x in body}) == 10_000



UNIQUE_ARRAYS = {
    "/enum": {"type": "array", "minItems": 5, "uniqueItems": True, "items": {"enum": ["a", "b", "c", "d", "e"]}},
    "/booleans": {"type": "array", "minItems": 2, "uniqueItems": True, "items": {"type": "boolean"}},
    "/integers": {"type": "array", "minItems": 10_000, "uniqueItems": True,
                  "items": {"type": "integer", "minimum": 3, "maximum": 30_000, "multipleOf": 3}},
    "/words": {"type": "array", "minItems": 5_000, "uniqueItems": True,
               "items": {"type": "string", "minLength": 4, "maxLength": 6}},
}


def test_unique_arrays_reach_their_min_items_when_random_draws_repeat(tmp_path: Path) -> None:
    """Random draws of an enum of five miss one now and then, and a word list runs out long before 5,000: the
    array is then filled from the values the items allow, in order, so every answer satisfies its schema."""
    from jsonschema import Draft202012Validator

    spec = tmp_path / "unique-arrays.json"
    spec.write_text(json.dumps(_document({path: {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": schema}}}}}} for path, schema in UNIQUE_ARRAYS.items()})))
    with make_client(specs=(spec,)) as client:
        for path, schema in UNIQUE_ARRAYS.items():
            for seed in range(30 if path == "/enum" else 2):
                body = finishes(lambda path=path, seed=seed: client.get(path, headers={"prefer": f"seed={seed}"}),
                                10).json()
                assert Draft202012Validator(schema).is_valid(body), (path, seed, len(body))

# 14-16. Startup: warnings, one-line errors, other contracts -----------------------------------------
def test_a_non_loopback_host_without_credentials_warns() -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--host", "0.0.0.0", "--port", str(port)],
                               cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        lines = [finishes(lambda: process.stderr.readline().decode(), 30) for _ in range(2)]  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "WARNING" in lines[1] and "reachable from other machines" in lines[1]


def _document(paths: Any, schemas: dict[str, Any] | None = None, version: str = "3.1.0") -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas or {}}}


_NODE = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}
_GET = {"responses": {"200": {"description": "ok"}}}
BROKEN_CONTRACTS = {
    "paths-null": (_document(None), "#/paths: must be an object"),
    "paths-list": (_document([]), "#/paths: must be an object"),
    "no-in": (_document({"/a": {"get": {**_GET, "parameters": [{"name": "x"}]}}}), "#/paths/~1a/get/parameters/0: 'in'"),
    "dangling": (_document({"/a": {"get": {"responses": _NODE}}}), "points at nothing"),
    "cycle": (_document({"/a": {"get": {"responses": _NODE}}}, {"Node": {"$ref": "#/components/schemas/Other"},
                                                                 "Other": {"$ref": "#/components/schemas/Node"}}),
              "references loop"),
    "required-recursion": (_document({"/a": {"get": {"responses": _NODE}}}, {"Node": {
        "type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}, "required": ["next"]}}),
        "has no finite instance"),
    "external": (_document({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": {"$ref": "other.json#/X"}}}}}}}}), "external reference"),
    "huge-string": (_document({"/a": {"get": {"responses": _NODE}}}, {"Node": {"type": "object", "properties": {
        "blob": {"type": "string", "minLength": 50_000_000}}}}),
        "#/components/schemas/Node/properties/blob/minLength: asks every response for at least 50,000,000 characters"),
    "huge-array": (_document({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": {"type": "array", "minItems": 50_000_000}}}}}}}}),
        "minItems: asks every response for at least 50,000,000 items"),
    "bad-regex": (_document({"/a": {"get": {**_GET, "parameters": [
        {"name": "x", "in": "query", "schema": {"type": "string", "pattern": "(["}}]}}}), "not a valid regular expression"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONTRACTS))
def test_a_broken_contract_is_one_line_and_exit_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document, expected = BROKEN_CONTRACTS[case]
    spec = tmp_path / f"{case}.json"
    spec.write_text(json.dumps(document))
    assert main(["serve", "--spec", str(spec)]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and str(spec) in message and expected in message, message


def test_sizes_within_the_limits_are_served_and_requests_may_ask_for_more(tmp_path: Path) -> None:
    """At the limits a response is made (and valid); a request body or a ``not`` may ask for more: only what
    every response must hold is limited."""
    from mockserver.spec.checks import MAX_MIN_ITEMS, MAX_MIN_LENGTH

    big = {"type": "object", "required": ["blob", "many"], "properties": {
        "blob": {"type": "string", "minLength": MAX_MIN_LENGTH}, "short": {"not": {"minLength": 10 ** 9}},
        "many": {"type": "array", "minItems": MAX_MIN_ITEMS, "items": {"type": "integer"}}}}
    request = {"required": True, "content": {"application/json": {"schema": {"type": "string", "minLength": 10 ** 9}}}}
    document = _document({"/a": {"get": {"responses": _NODE}, "post": {"requestBody": request, "responses": _NODE}}},
                         {"Node": big})
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps(document))
    with make_client(specs=(spec,)) as client:
        body = client.get("/a").json()
        assert len(body["blob"]) >= MAX_MIN_LENGTH and len(body["many"]) >= MAX_MIN_ITEMS
        assert client.post("/a", json="short").status_code == 422



def test_bounds_no_value_can_meet_are_warned_of_and_the_rest_is_served(tmp_path: Path) -> None:
    """``minimum`` above ``maximum`` (or an open bound on both sides of one number, or ``minLength`` above
    ``maxLength``) cannot be answered validly: the contract loads with one warning naming each place."""
    from mockserver.spec.contract import load_contract

    impossible = {"type": "object", "properties": {
        "a": {"type": "integer", "minimum": 5, "maximum": 4}, "b": {"type": "number", "exclusiveMinimum": 0,
                                                                     "maximum": 0},
        "c": {"type": "string", "minLength": 3, "maxLength": 2}, "d": {"type": "integer", "minimum": 1, "maximum": 1},
        "maximum": {"type": "string"}}}
    document = _document({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": impossible}}}}}}})
    spec = tmp_path / "impossible.json"
    spec.write_text(json.dumps(document))
    warnings = load_contract(spec).warnings
    assert [w.split(": no value")[0].rsplit("/", 1)[1] for w in warnings] == ["a", "b", "c"]
    assert "(from 5 to 4)" in warnings[0] and "(above 0 to 0)" in warnings[1] and "minLength 3 > maxLength 2" in warnings[2]
    with make_client(specs=(spec,)) as client:
        assert client.get("/a").status_code == 200

def test_a_pattern_whose_shortest_match_is_huge_is_not_sampled(tmp_path: Path) -> None:
    """``((a{1000}){1000}){1000}`` matches nothing shorter than a billion characters: sampling it took minutes;
    it is beyond the sampled subset, and the string responder's fallback answers at once."""
    from mockserver.responders.regex_sample import MAX_SAMPLE_LENGTH, sample_regex

    assert sample_regex("^((a{1000}){1000}){1000}$", random.Random(1)) is None
    assert len(sample_regex("^(a{1000}){100}$", random.Random(1)) or "") == MAX_SAMPLE_LENGTH
    schema = {"type": "object", "required": ["code"], "properties": {"code": {
        "type": "string", "pattern": "^((a{1000}){1000}){1000}$"}}}
    spec = tmp_path / "pattern.json"
    spec.write_text(json.dumps(_document({"/a": {"get": {"responses": _NODE}}}, {"Node": schema})))
    with make_client(specs=(spec,)) as client:
        response = finishes(lambda: client.get("/a"), 10)
        assert response.status_code == 200 and isinstance(response.json()["code"], str)


def test_a_body_nesting_multiplies_past_the_limit_is_a_400_that_says_so(tmp_path: Path) -> None:
    """Each size is within the startup limits, but an array of 10,000 arrays of 10,000 would be 10^8 values:
    generation stops at MAX_VALUES and the request is answered 400, saying why, instead of running for minutes."""
    from mockserver.responders.schema_faker import MAX_VALUES

    nested = {"type": "array", "minItems": 10_000, "items": {"type": "array", "minItems": 10_000,
                                                            "items": {"type": "integer"}}}
    spec = tmp_path / "nested.json"
    spec.write_text(json.dumps(_document({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": nested}}}}}}})))
    with make_client(specs=(spec,)) as client:
        response = finishes(lambda: client.get("/a"), 10)
        assert response.status_code == 400
        assert f"would hold over {MAX_VALUES:,} values" in response.json()["detail"]


def test_a_broken_pin_names_its_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, fixtures)
    (fixtures / "pinned" / "bad.yaml").write_text(
        "operation: GET /v1/analytics/sessions/escalation-rate\nparams: [start_date]\nbody: []\n")
    assert main(["serve", "--fixtures", str(fixtures)]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "bad.yaml" in message and "params must be a mapping" in message


def test_another_contract_starts_with_the_default_fixtures_and_skips_their_pins(caplog: pytest.LogCaptureFixture) -> None:
    spec = ROOT / "tests" / "data" / "petstore-3.0.json"
    with make_client(specs=(spec,)) as c:
        assert c.get("/pets", params={"limit": 2}).status_code == 200
    assert any("skipped, no operation" in r.getMessage() for r in caplog.records)


# 17. OpenAPI 3.0 documents keep 3.0 meanings ---------------------------------------------------------
def test_openapi_30_exclusive_bounds_and_nullable(tmp_path: Path) -> None:
    document = _document({"/things": {"post": {
        "parameters": [{"name": "n", "in": "query", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "exclusiveMinimum": True}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"note": {"type": "string", "nullable": True}}}}}},
        "responses": {"200": {"description": "ok"}}}}}, version="3.0.3")
    spec = tmp_path / "things.json"
    spec.write_text(json.dumps(document))
    with make_client(specs=(spec,)) as c:
        refused = c.post("/things", params={"n": 1}, json={"note": None})
        assert refused.status_code == 422
        assert refused.json()["detail"] == [{"type": "greater_than", "loc": ["query", "n"],
                                             "msg": "Input should be greater than 1", "input": "1", "ctx": {"gt": 1}}]
        assert c.post("/things", params={"n": 2}, json={"note": None}).status_code == 200
