"""The README's curl examples show real output: this replays each one and compares."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import pytest
from starlette.testclient import TestClient

from tests.conftest import NOW, make_client

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
MORE = re.compile(r"^\s*\.\.\. (\d+) more rows$")


class Example(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]
    auth: tuple[str, str] | None
    body: Any
    output: str


def _commands(block: str) -> list[tuple[str, str]]:
    """(command, output) for each ``$ `` command of a console block, continuation lines joined."""
    found = []
    for chunk in ("\n" + block).split("\n$ ")[1:]:
        lines = chunk.split("\n")
        command, rest = lines[0], 1
        while command.endswith("\\"):
            command, rest = command[:-1] + " " + lines[rest].strip(), rest + 1
        found.append((command, "\n".join(lines[rest:])))
    return found


def _examples() -> list[Example]:
    """Every plain curl example against the sandbox, with exactly the headers and credentials it sends."""
    found = []
    for block in BLOCK.findall(README):
        for command, output in _commands(block):
            if not command.startswith("curl -s ") or " -i " in command or not output.strip():
                continue
            url = re.search(r"(?:'|\s)http://127\.0\.0\.1:8000([^'\s]*)", command)
            if url is None:
                continue
            body = re.search(r"-d '(.*)'$", command)
            user = re.search(r"-u ([^:\s]+):(\S+)", command)
            headers = dict(h.split(": ", 1) for h in re.findall(r"-H '([^']+)'", command))
            headers.pop("content-type", None)
            found.append(Example("POST" if body else "GET", url.group(1), headers,
                                 (user.group(1), user.group(2)) if user else None,
                                 json.loads(body.group(1)) if body else None, output))
    return found


def _shown(output: str) -> tuple[Any, int | None]:
    """The JSON shown, with the number of rows elided ("... N more rows") if any."""
    lines = output.strip().splitlines()
    elided = None
    kept = []
    for line in lines:
        match = MORE.match(line)
        if match:
            elided = int(match.group(1))
        else:
            kept.append(line)
    text = "\n".join(kept).replace(",\n]", "\n]")
    return json.loads(text), elided


EXAMPLES = _examples()


def test_the_readme_has_examples_for_every_seed_operation() -> None:
    paths = {example.path.split("?")[0] for example in EXAMPLES}
    for operation in ("/v1/analytics/sessions/escalation-rate", "/v1/analytics/integrations/dashboard",
                      "/v1/analytics/integrations/by-integration", "/feedback/stats", "/feedback/payload_schema"):
        assert operation in paths
    assert any(example.headers == {} and example.auth is None for example in EXAMPLES), "the 401 example is replayed"


@pytest.fixture(scope="module", params=[NOW, NOW + dt.timedelta(days=400)], ids=["now", "400-days-later"])
def plain_client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """No default credentials; two clocks, so an example whose output depends on the day it runs fails."""
    with make_client(now=request.param) as client:
        yield client


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.path[:70] for e in EXAMPLES])
def test_example_output_is_real(plain_client: TestClient, example: Example) -> None:
    response = plain_client.request(example.method, example.path, headers=example.headers, auth=example.auth,
                                    json=example.body)
    actual = response.json()
    shown, elided = _shown(example.output)
    if isinstance(shown, dict) and isinstance(shown.get("buckets"), list) and shown["buckets"] and \
            isinstance(shown["buckets"][-1], str):
        more = int(shown["buckets"][-1].split()[1])
        assert len(actual["buckets"]) == len(shown["buckets"]) - 1 + more
        actual = {**actual, "buckets": actual["buckets"][:len(shown["buckets"]) - 1] + [shown["buckets"][-1]]}
    if elided is not None:
        assert len(actual) == len(shown) + elided
        actual = actual[:len(shown)]
    assert actual == shown


def test_the_table_of_analytics_operations_matches_the_registry() -> None:
    """The README says which world serves each of the 68 analytics operations; the server's registry decides."""
    from mockserver.paths import BUNDLED_CONTRACTS
    from mockserver.responders.analytics import OPERATIONS

    table = dict(re.findall(r"^\| [a-z ]+ \| `([a-z/_{}-]+)` \| (coherent world|schema responder[^|]*) \|$", README, re.M))
    contract = json.loads(next(p for p in BUNDLED_CONTRACTS if p.name.startswith("feather")).read_text())
    served = {path.removeprefix("/v1/analytics/"): item["get"]["operationId"]
              for path, item in contract["paths"].items() if path.startswith("/v1/analytics/")}
    assert set(table) == set(served) and len(served) == 68
    for path, operation_id in served.items():
        assert (table[path] == "coherent world") == (operation_id in OPERATIONS), path


def test_the_plugin_example_is_the_tested_file() -> None:
    """The README's pytest example is an excerpt of examples/pytest/test_dashboard.py, which CI runs."""
    block = re.search(r"```python\n(import httpx2.*?)```", README, re.S)
    assert block is not None
    tested = (Path(__file__).resolve().parent.parent / "examples" / "pytest" / "test_dashboard.py").read_text()
    assert block.group(1).strip() in tested
