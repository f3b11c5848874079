"""The hosts run of `make bench`: the guide's GET and an upload through each host of the API, on
the same inputs, in one run: the standalone service (uvicorn, its own app), the Django app
(gunicorn, 16 threads a worker, as many as wrk's connections) and a FastAPI app (uvicorn). Each
has two worker processes, SQLite, files on disk, decodes isolated in child processes with two
slots shared by its workers, and no rate limits.

GETs per second under wrk (16 connections), the median of three runs, the hosts taking turns and
the others idle; then uploads of a 12 MP phone-like JPEG (grain and all, as phones write them),
one at a time, the hosts taking turns, so that a slow moment of the machine falls on each alike:
the median of each.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.get import API, wrk
from bench.inputs import encode, phone_like
from bench.server import live_server
from imagecore.adapters.http import TokenPolicy, issue_token

SECRET = "a-bench-secret-of-thirty-two-bytes-or-more"
HOSTS = ("standalone", "django", "fastapi")
#: wrk runs per host, their median reported: the Django host's varied two-fold between runs.
GET_ROUNDS = 3


@contextlib.contextmanager
def _process(command: list[str], env: dict[str, str], folder: Path, port: int) -> Iterator[str]:
    log = (folder / "host.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + API + "limits/").status_code == 401:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError((folder / "host.log").read_text())
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(15)
        log.close()


@contextlib.contextmanager
def host(name: str, folder: Path) -> Iterator[tuple[str, str]]:
    """``name`` served on a free port: its base URL and a token of its user."""
    folder.mkdir(parents=True)
    if name == "standalone":
        with live_server(folder, "--workers", "2") as live:
            yield live.base_url, live.token
        return
    port = _free_port()
    env = os.environ | {"BENCH_DIR": str(folder), "BENCH_SECRET": SECRET}
    if name == "django":
        env |= {"DJANGO_SETTINGS_MODULE": "bench.django_host.settings"}
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], env=env, check=True)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-w", "2", "--threads", "16", "-b", f"127.0.0.1:{port}"]
        with _process([*command, "bench.django_host.wsgi"], env, folder, port) as base:
            token = httpx.post(base + "/sign-in/bench").json()["access"]
            yield base, token
        return
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.fastapi_host:app"]
    command += ["--workers", "2", "--port", str(port), "--log-level", "warning"]
    with _process(command, env, folder, port) as base:
        yield base, issue_token("bench", TokenPolicy.shared_secret(SECRET), ttl=3600)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(seconds: int = 10, connections: int = 16, uploads: int = 7) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    photo = encode(phone_like((4000, 3000), seed=4), "JPEG", quality=92)
    rows: dict[str, dict[str, Any]] = {name: {"host": name} for name in HOSTS}
    times: dict[str, list[float]] = {name: [] for name in HOSTS}
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        served = {name: stack.enter_context(host(name, Path(scratch) / name)) for name in HOSTS}
        clients = {
            name: stack.enter_context(
                httpx.Client(
                    base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
                )
            )
            for name, (base, token) in served.items()
        }
        headers = {name: f"Authorization: Bearer {token}" for name, (_, token) in served.items()}
        for name, (base, _) in served.items():
            wrk(base + API, 2, connections, headers[name])  # warm up
        gets: dict[str, list[float]] = {name: [] for name in HOSTS}
        for _ in range(GET_ROUNDS):  # the hosts take turns, as the uploads do
            for name, (base, _) in served.items():
                gets[name].append(wrk(base + API, seconds, connections, headers[name]))
        for name in HOSTS:
            rows[name]["get_per_s"] = round(statistics.median(gets[name]))
            rows[name]["get_runs"] = [round(g) for g in gets[name]]
        files = {"profile_image": ("phone.jpg", photo, "image/jpeg")}
        for client in clients.values():  # warm up: fork servers, databases, pools
            client.post(API, files=files).raise_for_status()
        for _ in range(uploads):
            for name, client in clients.items():
                started = time.perf_counter()
                client.post(API, files=files).raise_for_status()
                times[name].append((time.perf_counter() - started) * 1000)
    standalone = rows["standalone"]
    standalone_upload = statistics.median(times["standalone"])
    for name, row in rows.items():
        row["upload_ms"] = round(statistics.median(times[name]), 1)
        row["get_vs_standalone"] = round(row["get_per_s"] / standalone["get_per_s"], 2)
        row["upload_vs_standalone"] = round(row["upload_ms"] / standalone_upload, 2)
    return {
        "seconds": seconds,
        "connections": connections,
        "uploads": uploads,
        "upload_bytes": len(photo),
        "rows": list(rows.values()),
    }


def render(report: dict[str, Any]) -> str:
    if "skipped" in report:
        return f"Hosts run skipped: {report['skipped']}"
    lines = [
        f"The guide's GET under wrk ({report['connections']} connections, {report['seconds']} s, "
        f"median of {GET_ROUNDS}) "
        f"and uploads of a {report['upload_bytes'] / 1e6:.1f} MB 12 MP phone-like JPEG "
        f"(median of {report['uploads']}), each host with 2 workers:",
        "",
        "| host | GET per s | runs | GET / standalone | upload ms | upload / standalone |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['host']} | {r['get_per_s']} | {', '.join(map(str, r['get_runs']))} | "
        f"{r['get_vs_standalone']} | {r['upload_ms']} | {r['upload_vs_standalone']} |"
        for r in report["rows"]
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run(seconds=int(sys.argv[1]) if len(sys.argv) > 1 else 10)))
