"""`make load`: a bounded mixed load from this process against a live server with two workers.

80 % GETs, 15 % uploads and 5 % deletes over many users, each doing one thing at a time, for a
fixed time; then throughput,
p50/p99 latency per operation, errors, the server's peak memory, and `imagecore check`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import httpx

from bench.inputs import photo_like
from bench.server import Live, live_server
from imagecore.adapters.http import TokenPolicy, issue_token

API = "/api/resume/user-images/"
RESULTS = Path(__file__).with_name("load-results.json")
MIX = (("get", 80), ("upload", 15), ("delete", 5))


@attrs.define
class Tally:
    latencies: dict[str, list[float]] = attrs.field(factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = attrs.field(
        factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    errors: list[str] = attrs.field(factory=list)


def pictures() -> list[bytes]:
    """A few phone-sized photos (1600x1200), so uploads cost what real ones do."""
    out = []
    for seed in range(4):
        buffer = io.BytesIO()
        photo_like((1600, 1200), seed).save(buffer, "JPEG", quality=85)
        out.append(buffer.getvalue())
    return out


async def one(
    http: httpx.AsyncClient, op: str, token: str, photo: bytes, slot: str, tally: Tally
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    try:
        if op == "get":
            response = await http.get(API, headers=headers)
        elif op == "upload":
            files = {slot: ("photo.jpg", photo, "image/jpeg")}
            response = await http.post(API, headers=headers, files=files)
        else:
            response = await http.delete(API, headers=headers, params={"type": slot})
    except httpx.HTTPError as error:
        tally.errors.append(f"{op}: {type(error).__name__}: {error}")
        return
    tally.latencies[op].append((time.perf_counter() - started) * 1000)
    tally.statuses[op][response.status_code] += 1
    # A delete of an empty slot is a 404 by contract; anything else not 200 is an error.
    expected = response.status_code == 200 or (op == "delete" and response.status_code == 404)
    if not expected:
        tally.errors.append(f"{op}: {response.status_code} {response.text[:120]}")


async def drive(
    server: Live, seconds: float, users: int, concurrency: int, seed: int
) -> tuple[Tally, float]:
    secret = (server.data_dir / "jwt-secret").read_text().strip()
    policy = TokenPolicy.shared_secret(secret)
    tokens = [issue_token(f"load-{n}", policy, ttl=3600) for n in range(users)]
    photos = pictures()
    tally = Tally()
    rng = random.Random(seed)
    ops, weights = zip(*MIX, strict=True)
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as http:
        busy: set[int] = set()

        async def worker() -> None:
            while time.monotonic() < deadline:
                op = rng.choices(ops, weights)[0]
                slot = rng.choice(("profile_image", "cover_image"))
                # A person does one thing at a time: the server answers a user's third upload
                # at once sent beside two others with a 503.
                user = rng.choice([n for n in range(users) if n not in busy])
                busy.add(user)
                try:
                    await one(http, op, tokens[user], rng.choice(photos), slot, tally)
                finally:
                    busy.discard(user)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return tally, elapsed


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a process and its children (the workers), summed."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
        pending += [int(child) for child in children]
    return total / 1024


def imagecore_check(data_dir: Path) -> tuple[int, str]:
    executable = Path(sys.executable).with_name("imagecore")
    env = {"IMAGECORE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([str(executable), "check"], capture_output=True, text=True, env=env)
    return done.returncode, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def run(
    seconds: float = 30,
    workers: int = 2,
    users: int = 500,
    concurrency: int = 16,
    seed: int = 1,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Serve, load, measure, check; the report as a dict."""
    with tempfile.TemporaryDirectory() as scratch:
        data = data_dir or Path(scratch) / "data"
        with live_server(data, "--workers", str(workers)) as server:
            # A thread of its own: the caller may already run an event loop (a test session does).
            with ThreadPoolExecutor(1) as loop_thread:
                tally, elapsed = loop_thread.submit(
                    asyncio.run, drive(server, seconds, users, concurrency, seed)
                ).result()
            peak = peak_rss_mb(server.process.pid)
        check_status, check_line = imagecore_check(data)
    requests = sum(len(values) for values in tally.latencies.values()) + len(tally.errors)
    per_op = {}
    for op, _ in MIX:
        values = sorted(tally.latencies[op])
        per_op[op] = {
            "count": len(values),
            "p50_ms": round(statistics.median(values), 1) if values else None,
            "p99_ms": round(values[min(len(values) - 1, int(len(values) * 0.99))], 1)
            if values
            else None,
            "statuses": dict(sorted(tally.statuses[op].items())),
        }
    return {
        "seconds": round(elapsed, 1),
        "workers": workers,
        "users": users,
        "concurrency": concurrency,
        "requests": requests,
        "throughput_per_s": round(requests / elapsed, 1),
        "operations": per_op,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "server_peak_rss_mb": round(peak, 1),
        "check_exit_status": check_status,
        "check": check_line,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"{report['requests']} requests in {report['seconds']} s from {report['concurrency']} "
        f"connections over {report['users']} users, {report['workers']} workers: "
        f"{report['throughput_per_s']} requests/s",
        "",
        "| operation | count | p50 ms | p99 ms | statuses |",
        "|---|---|---|---|---|",
    ]
    for op, figures in report["operations"].items():
        statuses = ", ".join(f"{code}: {n}" for code, n in figures["statuses"].items())
        lines.append(
            f"| {op} | {figures['count']} | {figures['p50_ms']} | {figures['p99_ms']} | "
            f"{statuses} |"
        )
    lines += [
        "",
        f"errors: {report['errors']}"
        + (f" (e.g. {report['error_samples'][0]})" if report["errors"] else ""),
        f"server peak RSS (all processes): {report['server_peak_rss_mb']} MB",
        f"imagecore check: {report['check']} (exit {report['check_exit_status']})",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="make load", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30, help="how long to load (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="server workers (default 2)")
    parser.add_argument("--users", type=int, default=500, help="distinct users (default 500)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="connections in flight (default 16)"
    )
    args = parser.parse_args()
    print(
        f"loading for {args.seconds:.0f} s with {args.concurrency} connections...",
        file=sys.stderr,
        flush=True,
    )
    report = run(args.seconds, args.workers, args.users, args.concurrency)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    print(f"\nwritten to {RESULTS}")
    sys.exit(0 if report["errors"] == 0 and report["check_exit_status"] == 0 else 1)


if __name__ == "__main__":
    main()
