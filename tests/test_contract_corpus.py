"""Schemathesis, positive and negative, against the sandbox serving each public contract of the corpus.

``tests/data/corpus/`` holds contracts no one here wrote (README there: sources and licences). Each is served
alone with ``--spec`` semantics, credentials configured for every security scheme so that wrong ones must be
refused, and Schemathesis runs every check it has on every operation. Four kinds of failure are excused, each for a
reason the README's "Your own contract" section states, and nothing else:

- a status the operation cannot document: a refusal where it documents no 4xx (nor ``default``: FastAPI's 422
  is used), a 401 for missing credentials where it documents none, any answer where it documents no response;
- a form body that cannot carry what Schemathesis meant: in a form ``tags=x`` *is* the one-item array ``["x"]``
  (OpenAPI's form style), and objects or arrays of objects have no form serialisation without an ``encoding``
  (Schemathesis drops them or sends their keys; the sandbox reads such a field as JSON text);
- a negated JSON type in an XML or form body (``10`` for a string arrives as the text ``10``; ``null`` for an array
  as an empty element); bounds, patterns, enums and required fields survive as text and must be refused;
- a negated query value that serialises to valid text, or a scalar sent several times whose last value (the one
  read) is valid (``check/gaps.negation_lost_on_the_wire``).

The sandbox is stateless (a DELETE does not delete), so the stateful phase is not run here.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl

import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis import Config
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance, status_code_conformance

from mockserver.app import create_app
from mockserver.check.gaps import negation_lost_on_the_wire
from mockserver.settings import Settings
from tests.conftest import NOW, make_client

CORPUS = Path(__file__).parent / "data" / "corpus"
CONTRACTS = sorted(CORPUS.glob("*.yaml"))
EXAMPLES = int(os.environ.get("MOCKSERVER_ST_EXAMPLES", "4")) * 5
API_KEY, BASIC, TOKEN = "corpus-key", ("corpus", "s3cret"), "corpus-token"
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def _auth(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The configured credential of every scheme, in Schemathesis' OpenAPI-aware auth config."""
    auth: dict[str, dict[str, str]] = {}
    for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "apiKey":
            auth[name] = {"api_key": API_KEY}
        elif kind == "http" and http == "basic":
            auth[name] = {"username": BASIC[0], "password": BASIC[1]}
        elif kind in ("oauth2", "openIdConnect") or (kind == "http" and http == "bearer"):
            auth[name] = {"bearer": TOKEN}
    return auth


def _no_status_for_it(response: Any, case: Any) -> bool:
    """The contract documents no status this answer could have had: an operation with no responses at all, a
    refusal where it documents no 4xx (nor ``default``), or missing credentials where it documents no 401."""
    operation = case.operation.definition.raw
    statuses = [str(s) for s in operation.get("responses", {})]
    if not statuses:
        return True
    if response.status_code == 401:
        return "401" not in statuses and bool(operation.get("security", case.operation.schema.raw_schema.get(
            "security")))
    return 400 <= response.status_code < 500 and not any(s.startswith("4") or s == "default" for s in statuses)


def _form_fields(case: Any) -> list[tuple[str, str]] | None:
    if "x-www-form-urlencoded" not in str(case.media_type or ""):
        return None
    body = case.as_transport_kwargs().get("data") or case.as_transport_kwargs().get("content")
    if isinstance(body, dict):
        return [(str(k), str(v)) for k, v in body.items()]
    if isinstance(body, (bytes, str)):
        return parse_qsl(body if isinstance(body, str) else body.decode(), keep_blank_values=True)
    return None


def _body_schema(case: Any) -> dict[str, Any]:
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = content.get(str(case.media_type), {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = case.operation.schema.raw_schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema if isinstance(schema, dict) else {}


def _lost_in_form_encoding(case: Any) -> bool:
    """The body Schemathesis meant is not what a form carries: a scalar where the schema has an array (``tags=x``
    is the array ``["x"]``), or an object, or an array of objects (which OpenAPI's form style does not define and
    Schemathesis sends as keys, or drops)."""
    if _form_fields(case) is None or not isinstance(case.body, dict):
        return False
    properties = _body_schema(case).get("properties", {})
    for name, value in case.body.items():
        is_array = properties.get(name, {}).get("type") == "array"
        if isinstance(value, dict) or (is_array and not isinstance(value, list)) or (
                isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
            return True
    return False


def _type_lost_in_text(failure: Exception, case: Any) -> bool:
    """An XML or form body carries text: a value of the wrong JSON type (``10`` for a string, ``null`` for an
    array) arrives as text that may be a valid value of the right one (``<name>10</name>``, ``<tags/>``, an
    empty array as no body at all). Only
    the negations that survive as text (bounds, patterns, enums, required fields) can be refused."""
    media = str(case.media_type or "")
    text = str(failure)
    return ("xml" in media or "x-www-form-urlencoded" in media) and ("Incorrect type" in text
                                                                      or "violates `type`" in text)


def _excusing(check: Callable[..., Any], excuse: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def tolerant(ctx: Any, response: Any, case: Any) -> Any:
        try:
            return check(ctx, response, case)
        except Exception as failure:
            if excuse(response, case):
                return None
            if check is negative_data_rejection and (_type_lost_in_text(failure, case) or negation_lost_on_the_wire(
                    str(failure), str(response.request.url), case.operation.definition.raw.get("parameters", []))):
                return None
            raise

    tolerant.__name__ = f"{check.__name__}_corpus"
    return tolerant


REPLACED = [status_code_conformance, negative_data_rejection, positive_data_acceptance]
EXCUSED = [
    _excusing(status_code_conformance, _no_status_for_it),
    _excusing(negative_data_rejection, lambda response, case: _lost_in_form_encoding(case)),
    _excusing(positive_data_acceptance, lambda response, case: _lost_in_form_encoding(case)),
]


def _corpus_test(path: Path) -> Callable[..., None]:
    document = yaml.safe_load(path.read_text())
    app = create_app(Settings(specs=(path,), access_log=False, now=NOW, api_keys=frozenset({API_KEY}),
                              basic_auth=frozenset({BASIC}), bearer_tokens=frozenset({TOKEN})))
    auth = _auth(document)
    schema = schemathesis.openapi.from_path(path, config=Config.from_dict({"auth": {"openapi": auth}} if auth else {}))
    schema.app = app
    schema.config.update(base_url="http://testserver")  # the sandbox serves the paths as written, without servers' prefixes

    @schema.parametrize()
    @SETTINGS
    def test(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=REPLACED, additional_checks=EXCUSED)

    return test


for _path in CONTRACTS:
    globals()[f"test_{_path.stem.replace('-', '_').replace('.', '_')}"] = _corpus_test(_path)


def test_the_corpus_is_there() -> None:
    assert len(CONTRACTS) >= 8, "tests/data/corpus lost contracts"



def _readme_sessions() -> list[tuple[list[str], list[tuple[list[str], str]]]]:
    """The "Your own contract" section's console blocks: the serve command's arguments, then (curl, output)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your own contract", 1)[1].split("\n## ", 1)[0]
    sessions = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        chunks = ("\n" + block).split("\n$ ")[1:]
        serve = shlex.split(chunks[0].split("\n")[0].rstrip("&"))
        calls = [(shlex.split(chunk.split("\n", 1)[0]), chunk.split("\n", 1)[1] if "\n" in chunk else "")
                 for chunk in chunks[1:]]
        sessions.append((serve, calls))
    return sessions


def _replayed(client: Any, curl: list[str]) -> str:
    """What curl prints for this command line against the in-process sandbox."""
    method, headers, data, write_out, url, body_shown = "GET", {}, None, "", "", True
    args = iter(curl[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(": ", 1)
            headers[name] = value
        elif arg == "-d":
            data = next(args)
            method = "POST" if method == "GET" else method
        elif arg == "-w":
            write_out = next(args)
        elif arg == "-o":
            body_shown = next(args) != "/dev/null"
        elif arg.startswith("http"):
            url = arg
        else:
            assert arg == "-s", f"the replay does not know curl's {arg}"
    response = client.request(method, url.split(":9001", 1)[-1].split(":9000", 1)[-1], headers=headers,
                              content=data)
    text = response.text if body_shown else ""
    text += re.sub(r"%header\{([^}]+)\}", lambda m: response.headers.get(m.group(1), ""),
                   write_out.replace("%{http_code}", str(response.status_code)).replace("\\n", "\n"))
    return text


def test_the_readme_examples_of_your_own_contract_are_real() -> None:
    sessions = _readme_sessions()
    assert len(sessions) >= 2
    for serve, calls in sessions:
        spec = Path(__file__).resolve().parent.parent / serve[serve.index("--spec") + 1]
        keys = frozenset({serve[serve.index("--api-key") + 1]}) if "--api-key" in serve else frozenset()
        with make_client(specs=(spec,), api_keys=keys) as client:
            for curl, output in calls:
                assert _replayed(client, curl).rstrip("\n") == output.rstrip("\n"), " ".join(curl)
