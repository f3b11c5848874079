"""The GET run of `make bench`: requests per second under wrk, against the framework's ceiling.

For each repository (memory, SQLite, PostgreSQL when one answers), a two-worker server is started
and wrk (from the system packages) runs from a second process: first on /health, a bare endpoint
of the same app returning constant JSON, then on GET /api/resume/user-images/ with a token.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.inputs import encode, photo_like
from bench.server import UNLIMITED
from imagecore.adapters.http import TokenPolicy, issue_token

POSTGRES_URL = os.environ.get(
    "IMAGECORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
API = "/api/resume/user-images/"


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if header:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"wrk saw {non_2xx.group(1)} failed responses:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def databases() -> dict[str, str | None]:
    found: dict[str, str | None] = {"memory": "memory:", "sqlite": None}
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as db:
            schema = "imagecore_bench"
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            db.execute(f"CREATE SCHEMA {schema}")
        found["postgresql"] = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable ({error}); its row is left out", file=sys.stderr)
    return found


def one_repository(name: str, url: str | None, seconds: int, connections: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
        probe.close()
        data = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECORE_")}
        env |= UNLIMITED | {"IMAGECORE_DATA_DIR": str(data)}
        if url == "memory:":
            env |= {"IMAGECORE_DATABASE_URL": url, "IMAGECORE_STORAGE_URL": "memory://bench"}
        elif url:
            env |= {"IMAGECORE_DATABASE_URL": url}
        log = (data / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.get_server", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base, process, data)
            secret = (data / "jwt-secret").read_text().strip()
            token = issue_token("bench", TokenPolicy.shared_secret(secret), ttl=3600)
            header = f"Authorization: Bearer {token}"
            picture = encode(photo_like((800, 600)), "JPEG")
            httpx.post(
                base + API,
                headers={"Authorization": f"Bearer {token}"},
                files={"profile_image": ("p.jpg", picture)},
            ).raise_for_status()
            wrk(base + "/health", 2, connections)  # warm both workers up
            bare = wrk(base + "/health", seconds, connections)
            get = wrk(base + API, seconds, connections, header)
        finally:
            process.terminate()
            process.wait(15)
            log.close()
    return {
        "repository": name,
        "bare_per_s": round(bare),
        "get_per_s": round(get),
        "ratio": round(get / bare, 2),
    }


def _wait(base: str, process: subprocess.Popen[bytes], data: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data / "server.log").read_text())
        try:
            if httpx.get(base + "/health").status_code == 200 and (data / "jwt-secret").exists():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start:\n" + (data / "server.log").read_text())


def drf(seconds: int, connections: int) -> float:
    """GETs per second of the guide's GET in Django REST Framework (bench.drf_app), on SQLite,
    under gunicorn with two workers of eight threads each (more than enough for 16
    connections: its CPU is the bound)."""
    with tempfile.TemporaryDirectory() as scratch, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
        probe.close()
        secret = "drf-bench-secret-of-32-bytes-or-more"
        env = os.environ | {"DRF_DATABASE": f"{scratch}/drf.db", "DRF_JWT_SECRET": secret}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-w", "2", "--threads", "8", "-b", f"127.0.0.1:{port}"]
        log = (Path(scratch) / "drf.log").open("wb")
        process = subprocess.Popen(
            [*command, "bench.drf_app:application"], env=env, stdout=log, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            token = issue_token("bench", TokenPolicy.shared_secret(secret), ttl=3600)
            header = f"Authorization: Bearer {token}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    answer = httpx.get(base + API, headers={"Authorization": f"Bearer {token}"})
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        "DRF did not start:\n" + (Path(scratch) / "drf.log").read_text()
                    )
                time.sleep(0.1)
            wrk(base + API, 2, connections, header)  # warm up
            return wrk(base + API, seconds, connections, header)
        finally:
            process.terminate()
            process.wait(15)
            log.close()


def run(seconds: int = 10, connections: int = 16) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    rows = [one_repository(name, url, seconds, connections) for name, url in databases().items()]
    drf_per_s = drf(seconds, connections)
    for row in rows:
        row["vs_drf"] = round(row["get_per_s"] / drf_per_s, 1)
    return {
        "seconds": seconds,
        "connections": connections,
        "workers": 2,
        "rows": rows,
        "drf_per_s": round(drf_per_s),
    }


def under_wrk(what: str, report: dict[str, Any], how: str) -> str:
    """The heading of a wrk run's table."""
    return f"{what} under wrk ({report['connections']} connections, {report['seconds']} s, {how}):"


def render(report: dict[str, Any]) -> str:
    if "skipped" in report:
        return f"GET run skipped: {report['skipped']}"
    lines = [
        under_wrk("GET", report, f"{report['workers']} workers"),
        "",
        "| repository | bare /health per s | GET user-images per s | GET / bare | GET / DRF |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['repository']} | {r['bare_per_s']} | {r['get_per_s']} | {r['ratio']} | "
        f"{r['vs_drf']} |"
        for r in report["rows"]
    ]
    lines.append(
        f"\nDjango REST Framework, the same GET on SQLite (gunicorn, 2 workers x 8 threads): "
        f"{report['drf_per_s']} per s"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run()))
