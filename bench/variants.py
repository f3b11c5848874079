"""What variants cost and save: uploads with them against uploads without, on two live servers
side by side, and the bytes a browser downloads for an avatar and a phone banner.

Both servers run the same release with the same settings, but for the variant widths (``none``
on one). Uploads alternate between them, so machine noise hits both alike.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.contenders import IMAGE_ONLY
from bench.inputs import Case
from bench.memory import peak_extra_memory
from bench.server import Live, live_server

API = "/api/resume/user-images/"
NO_VARIANTS = {"IMAGECORE_PROFILE_VARIANTS": "none", "IMAGECORE_COVER_VARIANTS": "none"}
#: (what is shown, slot, CSS pixels wide, device pixel ratio): where an app shows the images.
DISPLAYS = [
    ("48 px avatar, 1x screen", "profile_image", 48, 1),
    ("48 px avatar, 2x screen", "profile_image", 48, 2),
    ("390 px phone banner, 2x", "cover_image", 390, 2),
    ("390 px phone banner, 3x", "cover_image", 390, 3),
]


def run(cases: list[Case], repeats: int) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        with_ = stack.enter_context(live_server(folder / "with"))
        without = stack.enter_context(live_server(folder / "without", env=NO_VARIANTS))
        rows = [upload_costs(case, with_, without, repeats) for case in cases]
        downloads = bytes_downloaded(with_, cases)
    return {"uploads": rows, "downloads": downloads}


def upload_costs(case: Case, with_: Live, without: Live, repeats: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {"with": [], "without": []}
    servers = {"with": with_, "without": without}
    for name in servers:  # warm up
        post(servers[name], case)
    for _ in range(repeats):
        for name, server in servers.items():
            started = time.perf_counter()
            post(server, case)
            times[name].append((time.perf_counter() - started) * 1000)
    with_ms, without_ms = (statistics.median(times[n]) for n in ("with", "without"))
    memory = {
        "with": peak_extra_memory("codec", case),
        "without": peak_extra_memory(IMAGE_ONLY, case),
    }
    return {
        "case": case.name,
        "input_bytes": len(case.data),
        "with_ms": round(with_ms, 1),
        "without_ms": round(without_ms, 1),
        "ratio": round(with_ms / without_ms, 2),
        "with_peak_mb": round(memory["with"], 1),
        "without_peak_mb": round(memory["without"], 1),
        "memory_ratio": round(memory["with"] / max(memory["without"], 0.1), 2),
    }


def post(server: Live, case: Case) -> dict[str, Any]:
    response = httpx.post(
        server.base_url + API,
        headers={"Authorization": f"Bearer {server.token}"},
        files={case.slot.value: ("upload", case.data)},
        timeout=60,
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def bytes_downloaded(server: Live, cases: list[Case]) -> list[dict[str, Any]]:
    """For each display, the bytes of the file a browser takes from ``srcset`` (the narrowest
    at least CSS width x pixel ratio wide, else the widest) against the whole image."""
    details = {}
    for case in cases:
        if case.name.startswith("12 MP JPEG"):
            details[case.slot.value] = post(server, case)["details"][case.slot.value]
    rows = []
    for shown, slot, css, ratio in DISPLAYS:
        entry = details[slot]
        candidates = [*entry["variants"], entry]
        wide_enough = [c for c in candidates if c["width"] >= css * ratio]
        chosen = min(wide_enough, key=lambda c: c["width"]) if wide_enough else entry
        before, after = (size(server, c["url"]) for c in (entry, chosen))
        rows.append(
            {
                "display": shown,
                "before_bytes": before,
                "after_bytes": after,
                "after_width": chosen["width"],
                "after_type": chosen["media_type"],
                "ratio": round(after / before, 3),
            }
        )
    return rows


def size(server: Live, url: str) -> int:
    response = httpx.get(server.base_url + url)
    response.raise_for_status()
    return len(response.content)


def render(section: dict[str, Any]) -> str:
    lines = [
        "| upload through the server | input MB | with variants ms | without ms | ratio "
        "| peak MB with | without | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in section["uploads"]:
        lines.append(
            f"| {row['case']} | {row['input_bytes'] / 1e6:.1f} | {row['with_ms']} "
            f"| {row['without_ms']} | {row['ratio']} | {row['with_peak_mb']} "
            f"| {row['without_peak_mb']} | {row['memory_ratio']} |"
        )
    lines += [
        "",
        "| display (12 MP JPEG uploaded) | before: whole image | after: from srcset | ratio |",
        "|---|---|---|---|",
    ]
    for row in section["downloads"]:
        lines.append(
            f"| {row['display']} | {row['before_bytes']:,} B "
            f"| {row['after_bytes']:,} B ({row['after_width']} w, {row['after_type']}) "
            f"| {row['ratio']} |"
        )
    return "\n".join(lines)
