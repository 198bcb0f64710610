"""Three replicas behind a real load balancer answer byte for byte alike.

``python -m tests.replicas`` (``make replicas``; ``.ci/run`` installs Debian's
nginx first) starts three ``mockserver serve`` processes on free ports with the
same seed, puts nginx in front of them (round robin, its own prefix in a
temporary directory, nothing system-wide), sends every request of a varied set
several times through nginx and once to each replica directly, and checks:

* every answer to the same request has the same bytes, whichever replica served;
* nginx did spread the requests over all three replicas (its log names the upstream).

Exit status 0 when both hold, 1 otherwise; nginx missing is exit 2 with the
command that installs it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx2 as httpx

from mockserver.process import ServerProcess, start_server

NOW = "2026-01-15T12:00:00Z"
KEY = {"x-api-key": "replica-test"}
REPLICAS = 3
ROUNDS = 3

TARGETS = [
    *(f"/v1/analytics/sessions/escalation-rate?start_date=2026-01-0{d}&end_date=2026-01-1{d}&granularity=hour"
      for d in range(1, 6)),
    *(f"/v1/analytics/sessions/volume-timeseries?start_date=2025-12-01&end_date=2026-01-10&channel={c}"
      for c in ("voice", "chat", "email")),
    "/v1/analytics/integrations/dashboard?start_date=2026-01-01&end_date=2026-01-14&granularity=day",
    "/v1/analytics/tools/dashboard?start_date=2026-01-01&end_date=2026-01-14",
    "/v1/agents?limit=5",
    "/v1/agents/6a1f1a52-1f0c-4c53-9d0e-3b1c9d2f7a10",
    "/v1/analytics/sessions/escalation-rate?start_date=2026-01-10&end_date=2026-01-01",  # an error, too
]

NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$upstream_addr $status $request_uri';
    access_log {prefix}/access.log upstreams;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream sandbox {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://sandbox;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_nginx(prefix: Path, replicas: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = _free_port()
    servers = "\n".join(f"        server {url.removeprefix('http://')};" for url in replicas)
    (prefix / "nginx.conf").write_text(NGINX_CONF.format(prefix=prefix, servers=servers, port=port))
    process = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf"),
                                "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/healthz", timeout=1)
            return process, url
        except httpx.HTTPError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"nginx did not start: {(prefix / 'error.log').read_text() if (prefix / 'error.log').exists() else ''}")


def main() -> int:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        print("nginx is not installed: apt-get install -y nginx-light", file=sys.stderr)
        return 2
    replicas: list[ServerProcess] = []
    nginx: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory() as temp:
        prefix = Path(temp)
        try:
            replicas = [start_server(["--now", NOW, "--seed", "11", "--no-access-log"]) for _ in range(REPLICAS)]
            nginx, balanced = start_nginx(prefix, [r.url for r in replicas])
            bodies: dict[str, set[bytes]] = defaultdict(set)
            with httpx.Client(headers=KEY, timeout=60) as client:
                for _ in range(ROUNDS):
                    for target in TARGETS:
                        bodies[target].add(client.get(balanced + target).content)
                for replica in replicas:
                    for target in TARGETS:
                        bodies[target].add(client.get(replica.url + target).content)
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            for replica in replicas:
                replica.stop()
        served_by = Counter(line.split()[0] for line in (prefix / "access.log").read_text().splitlines())
    differing = [t for t, seen in bodies.items() if len(seen) != 1]
    print(f"{len(TARGETS)} requests x {ROUNDS} through nginx + {REPLICAS} direct each; upstreams {dict(served_by)}")
    ok = True
    if differing:
        print(f"FAIL: different bytes for {differing}")
        ok = False
    if len(served_by) != REPLICAS:
        print(f"FAIL: nginx used {len(served_by)} of {REPLICAS} replicas")
        ok = False
    print("identical bytes from every replica" if ok else "replicas disagree")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
