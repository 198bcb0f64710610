"""The deployment recipes point at what the server really offers (no container engine runs here to start them)."""

from __future__ import annotations

from pathlib import Path

import yaml
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import parse_serve_args
from mockserver.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_probes_and_health_checks_use_a_route_that_answers() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    deployment, service = yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "sandbox.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    paths = {container["readinessProbe"]["httpGet"]["path"], container["livenessProbe"]["httpGet"]["path"]}
    assert "/healthz" in " ".join(compose["services"]["sandbox"]["healthcheck"]["test"])
    assert paths == {"/healthz"}
    with TestClient(create_app(Settings(access_log=False))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
    assert deployment["spec"]["replicas"] == 3 and compose["services"]["sandbox"]["deploy"]["replicas"] == 3
    assert service["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]


def test_the_recipes_flags_and_variables_are_real() -> None:
    deployment, _ = yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "sandbox.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    settings = parse_serve_args(container["args"])
    assert settings.workers == 2
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["mockserver", "serve"]' in dockerfile
    assert "MOCKSERVER_HOST=0.0.0.0" in dockerfile and "MOCKSERVER_PORT=8000" in dockerfile
    assert "EXPOSE 8000" in dockerfile and container["ports"][0]["containerPort"] == 8000
    assert "server sandbox:8000;" in (ROOT / "deploy" / "nginx.conf").read_text()
