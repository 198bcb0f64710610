"""Same seed, same request, same bytes: across processes with different hash salts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import hashlib, sys
from starlette.testclient import TestClient
from mockserver.app import create_app
from mockserver.settings import Settings
import datetime as dt

app = create_app(Settings(access_log=False, seed=int(sys.argv[1]),
                          now=dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc)))
digest = hashlib.sha256()
with TestClient(app) as c:
    c.headers["x-api-key"] = "k"
    for path, params in [
        ("/v1/analytics/integrations/dashboard", {"start_date": "2026-01-05", "end_date": "2026-01-11", "granularity": "hour"}),
        ("/v1/analytics/sessions/escalation-rate",
         {"start_date": "2026-01-05", "end_date": "2026-01-06", "granularity": "minute"}),
        ("/v1/analytics/integrations/by-integration", {"start_date": "2025-01-01", "end_date": "2025-12-31"}),
        ("/v1/agents", {}),
        ("/v1/analytics/sessions/volume", {"start_date": "2026-01-05", "end_date": "2026-01-11"}),
    ]:
        response = c.get(path, params=params)
        digest.update(b"%d|" % response.status_code + response.content)
    response = c.post("/feedback/stats", auth=("u", "p"),
                      json={"project_id": "acme/evals", "start": "2026-01-10T00:00:00Z"})
    digest.update(b"%d|" % response.status_code + response.content)
    # 422s with many items: maps, unions, nested models, every parameter wrong (pydantic's order, not a set's)
    for method, path, body in [
        ("PUT", "/v1/identity/org", {"settings": {"kb_role_clearance_map": {"b": "x", "a": [], "c": 1.5},
                                                  "kb_role_audience_map": {"z": 1, "y": [2]}, "retry": 7}}),
        ("POST", "/v1/model-router/configs", {"name": 5, "model_chain": [1, "a", {"x": 1}]}),
        ("GET", "/v1/analytics/tools/dashboard?start_date=x&end_date=2026-13-01&top_tools_limit=0&granularity=y",
         None),
    ]:
        response = c.request(method, path, json=body)
        assert response.status_code == 422, response.text
        digest.update(response.content)
print(digest.hexdigest())
"""


def _digest(seed: int, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(seed)], env=env, cwd=root, capture_output=True,
                            text=True, timeout=120, check=True)
    return result.stdout.strip()


def test_processes_with_different_hash_seeds_answer_identically() -> None:
    assert _digest(7, "1") == _digest(7, "4242") == _digest(7, "random")


def test_the_seed_changes_the_world() -> None:
    assert _digest(7, "1") != _digest(8, "1")


SPEC_SCRIPT = r"""
import hashlib
from pathlib import Path
from starlette.testclient import TestClient
from mockserver.app import create_app
from mockserver.settings import Settings
import datetime as dt

app = create_app(Settings(access_log=False, specs=(Path("tests/data/corpus/swagger-petstore-3.0.yaml"),),
                          now=dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc)))
digest = hashlib.sha256()
with TestClient(app) as c:
    c.headers["api_key"] = "k"
    c.headers["authorization"] = "Bearer t"
    for method, path, media, body in [
        ("GET", "/pet/7", None, None),
        ("GET", "/pet/findByStatus?status=sold", None, None),
        ("POST", "/store/order", "application/xml", "<order><id>1</id><petId>2</petId><status>placed</status></order>"),
        ("POST", "/pet", "application/x-www-form-urlencoded", "name=rex&photoUrls=a&photoUrls=b&status=sold"),
        ("POST", "/pet", "application/json", '{"name": 5, "photoUrls": [1, {}], "status": "x", "z": 1, "y": 2}'),
        ("PUT", "/user/x", "application/xml", "<user><id>no</id><userStatus>2147483648</userStatus></user>"),
        ("POST", "/pet/findByStatus", None, None),
    ]:
        response = c.request(method, path, content=body, headers={"content-type": media} if media else {})
        digest.update(b"%d|" % response.status_code + response.content + response.headers.get("allow", "").encode())
print(digest.hexdigest())
"""


def test_a_contract_of_your_own_answers_identically_across_processes() -> None:
    root = Path(__file__).resolve().parent.parent
    digests = {subprocess.run([sys.executable, "-c", SPEC_SCRIPT], env={**os.environ, "PYTHONHASHSEED": salt},
                              cwd=root, capture_output=True, text=True, timeout=120, check=True).stdout.strip()
               for salt in ("1", "4242", "random")}
    assert len(digests) == 1 and len(next(iter(digests))) == 64


def _dispatched_features() -> list[str]:
    """numpy's optional SIMD targets this CPU has (AVX2, AVX-512...): numpy picks its exp, log and log1p kernels
    among them at runtime, and their last bits differ (on an AVX-512 machine np.exp differs from the AVX2 or
    baseline kernel in the last place for some inputs)."""
    from numpy._core import _multiarray_umath as umath

    return [feature for feature in umath.__cpu_dispatch__ if umath.__cpu_features__.get(feature)]


def test_a_machine_without_this_cpus_simd_kernels_answers_identically() -> None:
    """Across machines: the same seed gives the same bytes whichever numpy kernels the CPU selects. The world's
    figures go through exp and log, whose kernels differ in the last bit between CPUs; every published figure is
    rounded or counted far from those bits, and this holds it, by running the sandbox once with numpy's runtime
    SIMD targets disabled (as on a baseline x86-64-v2 machine) and once with them."""
    features = _dispatched_features()
    root = Path(__file__).resolve().parent.parent
    probe = "from numpy._core import _multiarray_umath as u; print(sorted(k for k, v in u.__cpu_features__.items() if v))"
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(features)}
    seen = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert not any(f"'{feature}'" in seen for feature in features)  # the kernels really were switched off
    baseline = subprocess.run([sys.executable, "-c", SCRIPT, "7"], env={**env, "PYTHONHASHSEED": "1"}, cwd=root,
                              capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    assert baseline == _digest(7, "1") and len(baseline) == 64
