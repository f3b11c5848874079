"""The readers run of `make bench`: GET latency for one user while others upload 12 MP photos.

A reader sends GET /api/resume/user-images/ at a steady pace (not as fast as it can: a queue of
its own would be all it measured) and times each answer, first with the server idle, then while
uploaders keep every decode slot busy and one more upload waiting. p50 and p99 of each phase,
from one server, one run.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.server import live_server
from imagecore.adapters.http import TokenPolicy, issue_token

API = "/api/resume/user-images/"
#: The decode slots `imagecore serve` has by default, and one upload more, waiting.
UPLOADERS = 3


def run(photo: bytes, seconds: float = 10, pace: float = 0.01) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir, live_server(Path(data_dir)) as server:
        secret = (Path(data_dir) / "jwt-secret").read_text().strip()
        policy = TokenPolicy.shared_secret(secret)
        reader = {"Authorization": f"Bearer {issue_token('reader', policy, ttl=3600)}"}
        with httpx.Client(base_url=server.base_url, headers=reader) as http:
            http.post(API, files={"profile_image": ("p.jpg", photo)}).raise_for_status()
            _latencies(http, 1, pace)  # warm up
            idle = _latencies(http, seconds, pace)
            # Uploaders in processes of their own: in this one they would take the reader's GIL.
            context = multiprocessing.get_context("spawn")
            stop, uploaded = context.Event(), context.Value("i", 0)
            uploaders = [
                context.Process(
                    target=_upload_until,
                    args=(server.base_url, issue_token(f"uploader{n}", policy, ttl=3600)),
                    kwargs={"photo": photo, "stop": stop, "done": uploaded},
                )
                for n in range(UPLOADERS)
            ]
            for uploader in uploaders:
                uploader.start()
            time.sleep(2)  # started, and every slot taken
            with uploaded.get_lock():
                uploaded.value = 0
            busy = _latencies(http, seconds, pace)
            count = uploaded.value
            stop.set()
            for uploader in uploaders:
                uploader.join()
    phases = {"idle": idle, "uploads": busy}
    report: dict[str, Any] = {"seconds": seconds, "uploaders": UPLOADERS}
    for name, times in phases.items():
        cuts = statistics.quantiles(times, n=100)
        report[name] = {
            "requests": len(times),
            "p50_ms": round(cuts[49], 2),
            "p99_ms": round(cuts[98], 2),
        }
    report["uploads_per_s"] = round(count / seconds, 1)
    report["p99_ratio"] = round(report["uploads"]["p99_ms"] / report["idle"]["p99_ms"], 2)
    return report


def _latencies(http: httpx.Client, seconds: float, pace: float) -> list[float]:
    times = []
    end = time.monotonic() + seconds
    next_at = time.monotonic()
    while next_at < end:
        time.sleep(max(0.0, next_at - time.monotonic()))
        started = time.perf_counter()
        http.get(API).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
        next_at += pace
    return times


def _upload_until(base: str, token: str, *, photo: bytes, stop: Any, done: Any) -> None:
    # Clients elsewhere, in truth: on this machine they must not take the reader's CPU.
    os.nice(19)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        while not stop.is_set():
            answer = http.post(API, files={"cover_image": ("c.jpg", photo)})
            if answer.status_code != 200:
                print(f"  an upload was answered {answer.status_code}", file=sys.stderr)
                continue
            with done.get_lock():
                done.value += 1


def render(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"GET latency of one reader (one request every 10 ms, {report['seconds']} s a phase), "
            f"idle and while {report['uploaders']} uploaders send 12 MP JPEGs "
            f"({report['uploads_per_s']} uploads/s):",
            "",
            "| phase | requests | p50 ms | p99 ms |",
            "|---|---|---|---|",
            *(
                f"| {phase} | {report[phase]['requests']} | {report[phase]['p50_ms']} | "
                f"{report[phase]['p99_ms']} |"
                for phase in ("idle", "uploads")
            ),
            "",
            f"p99 while uploading / idle: {report['p99_ratio']}",
        ]
    )
