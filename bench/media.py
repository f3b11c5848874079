"""The media run of `make bench`: uploaded files served by the media route, against Litestar's
own static files router serving the same files from the same folder, in one server, under wrk.

The profile image (a 12 MP photo's, some 30 KB) fits the route's first chunk; the cover (some
100 KB) is streamed. wrk runs each route in turn, twice, and the better run of each is kept.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.baseline_server import STATIC
from bench.get import under_wrk, wrk
from bench.server import live_server

API = "/api/resume/user-images/"


def run(photo: bytes, seconds: int = 10, connections: int = 16) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    command = (sys.executable, "-m", "bench.baseline_server")
    rows = []
    with (
        tempfile.TemporaryDirectory() as data_dir,
        live_server(Path(data_dir), command=command) as server,
    ):
        headers = {"Authorization": f"Bearer {server.token}"}
        files = {"profile_image": ("p.jpg", photo), "cover_image": ("c.jpg", photo)}
        answer = httpx.post(server.base_url + API, headers=headers, files=files, timeout=60)
        answer.raise_for_status()
        for slot in ("profile_image", "cover_image"):
            media = server.base_url + answer.json()[slot]
            static = server.base_url + STATIC + "/" + media.partition("/media/")[2]
            size = len(httpx.get(media).content)
            assert httpx.get(static).content == httpx.get(media).content
            wrk(media, 2, connections)  # warm up
            runs: dict[str, list[float]] = {"media": [], "static": []}
            for _ in range(2):
                runs["media"].append(wrk(media, seconds, connections))
                runs["static"].append(wrk(static, seconds, connections))
            best = {route: max(rates) for route, rates in runs.items()}
            rows.append(
                {
                    "file": slot.removesuffix("_image"),
                    "bytes": size,
                    "media_per_s": round(best["media"]),
                    "static_per_s": round(best["static"]),
                    "ratio": round(best["media"] / best["static"], 2),
                }
            )
    return {"seconds": seconds, "connections": connections, "workers": 1, "rows": rows}


def render(report: dict[str, Any]) -> str:
    if "skipped" in report:
        return f"media run skipped: {report['skipped']}"
    lines = [
        under_wrk("Media GETs", report, f"{report['workers']} worker, best of 2 each"),
        "",
        "| file | bytes | /media/ per s | Litestar static files per s | media / static |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['file']} | {r['bytes']} | {r['media_per_s']} | {r['static_per_s']} | {r['ratio']} |"
        for r in report["rows"]
    ]
    return "\n".join(lines)
