"""What fingerprinting costs an upload: the codec with its fingerprints (the pixels' SHA-256, the
PDQ hash and its nine crops') against the same codec without, on the 12 MP phone-like JPEG to
each slot, in one process, the two alternating so that machine noise hits both alike."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.inputs import Case
from imagecore import DEFAULT_POLICIES, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec


def run(cases: list[Case], repeats: int) -> dict[str, Any]:
    codecs = {"with": PillowCodec(), "without": PillowCodec(fingerprints=False)}
    limits = ImageLimits()
    rows = []
    for case in cases:
        box = DEFAULT_POLICIES[case.slot].box
        times: dict[str, list[float]] = {name: [] for name in codecs}
        for codec in codecs.values():  # warm up
            codec.encode(case.data, box, limits)
        for _ in range(repeats):
            for name, codec in codecs.items():
                started = time.perf_counter()
                codec.encode(case.data, box, limits)
                times[name].append((time.perf_counter() - started) * 1000)
        with_, without = (statistics.median(times[name]) for name in codecs)
        rows.append(
            {
                "case": case.name,
                "with_ms": round(with_, 1),
                "without_ms": round(without, 1),
                "ratio": round(with_ / without, 3),
            }
        )
    return {"repeats": repeats, "rows": rows}


def render(report: dict[str, Any]) -> str:
    lines = [
        f"Fingerprinting, in process, median of {report['repeats']} alternating runs:",
        "",
        "| upload | with fingerprints ms | without ms | with / without |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['case']} | {r['with_ms']} | {r['without_ms']} | {r['ratio']} |"
        for r in report["rows"]
    ]
    return "\n".join(lines)
