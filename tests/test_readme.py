"""The README's curl examples show real output: this replays each one and compares."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
MORE = re.compile(r"^\s*\.\.\. (\d+) more rows$")


def _examples() -> list[tuple[str, str, Any, str]]:
    """(method, path, body, shown output) for every plain curl example against the sandbox."""
    found = []
    for block in BLOCK.findall(README):
        command, _, output = block.partition("\n")
        while command.endswith("\\"):
            more, _, output = output.partition("\n")
            command = command[:-1] + more.strip()
        if not command.startswith("$ curl -s ") or " -i " in command or "Prefer" in command or not output.strip():
            continue
        if "127.0.0.1:8000" not in command or "\n$ " in output:
            continue
        body = re.search(r"-d '(.*)'$", command)
        url = re.search(r"(?:'|\s)http://127\.0\.0\.1:8000([^'\s]*)", command)
        assert url is not None, command
        found.append(("POST" if body else "GET", url.group(1), json.loads(body.group(1)) if body else None, output))
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
    paths = {path.split("?")[0] for _, path, _, _ in EXAMPLES}
    for operation in ("/v1/analytics/sessions/escalation-rate", "/v1/analytics/integrations/dashboard",
                      "/v1/analytics/integrations/by-integration", "/feedback/stats", "/feedback/payload_schema"):
        assert operation in paths


@pytest.mark.parametrize(("method", "path", "body", "output"), EXAMPLES, ids=[e[1][:70] for e in EXAMPLES])
def test_example_output_is_real(client: TestClient, method: str, path: str, body: Any, output: str) -> None:
    headers = {} if "x-api-key" in output else {}
    if method == "GET":
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, json=body, auth=("alice", "s3cret"))
    actual = response.json()
    shown, elided = _shown(output)
    if isinstance(shown, dict) and isinstance(shown.get("buckets"), list) and shown["buckets"] and \
            isinstance(shown["buckets"][-1], str):
        more = int(shown["buckets"][-1].split()[1])
        assert len(actual["buckets"]) == len(shown["buckets"]) - 1 + more
        actual = {**actual, "buckets": actual["buckets"][:len(shown["buckets"]) - 1] + [shown["buckets"][-1]]}
    if elided is not None:
        assert len(actual) == len(shown) + elided
        actual = actual[:len(shown)]
    assert actual == shown
