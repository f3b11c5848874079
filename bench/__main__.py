"""`make bench`: the codec against naive Pillow and libvips, then through a live server.

Every figure is a median over repeats run side by side in one process (contenders interleaved, so
machine noise hits them alike), and every comparison is a ratio from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import PIL

from bench.baseline_server import RECEIVE
from bench.blocklist import render as render_blocklist
from bench.blocklist import run as blocklist_run
from bench.contenders import IMAGE_ONLY, Contender, codec, naive, pyvips_thumbnail
from bench.fingerprints import render as render_fingerprints
from bench.fingerprints import run as fingerprints_run
from bench.get import render as render_get
from bench.get import run as get_run
from bench.hosts import render as render_hosts
from bench.hosts import run as hosts_run
from bench.inputs import Case, cases
from bench.media import render as render_media
from bench.media import run as media_run
from bench.memory import peak_extra_memory
from bench.readers import render as render_readers
from bench.readers import run as readers_run
from bench.server import live_server
from bench.variants import render as render_variants
from bench.variants import run as variants_run
from imagecore import ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.app.settings import Settings
from imagecore.app.wiring import build_codec
from imagecore.policies import DEFAULT_POLICIES

RESULTS = Path(__file__).with_name("results.json")
API = "/api/resume/user-images/"


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per case (median)")
    parser.add_argument("--quick", action="store_true", help="2 repeats, for a smoke run")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats

    # "image only": the codec without the slot's variants, making what the others make.
    contenders: dict[str, Contender] = {
        "codec": codec(),
        IMAGE_ONLY: codec(variants=False),
        "naive": naive,
    }
    vips = pyvips_thumbnail()
    if vips is not None:
        contenders["pyvips"] = vips
    else:
        print("pyvips is not installed: `pip install -e '.[bench]'` adds it\n")

    report: dict[str, Any] = {"machine": machine(), "repeats": repeats, "cases": []}
    all_cases = cases()
    for number, case in enumerate(all_cases, 1):
        print(f"[{number}/{len(all_cases)}] {case.name}", file=sys.stderr, flush=True)
        report["cases"].append(measure(case, contenders, repeats))
    photo = all_cases[0]
    print("[server] HTTP round trip", file=sys.stderr, flush=True)
    report["http"] = http_round_trip(photo, repeats)
    print("[threads] throughput", file=sys.stderr, flush=True)
    report["threads"] = throughput(photo, max(8, 4 * repeats))
    print("[variants] uploads with and without, bytes downloaded", file=sys.stderr, flush=True)
    report["variants"] = variants_run(variant_cases(all_cases), repeats)
    print("[get] requests per second under wrk", file=sys.stderr, flush=True)
    report["get"] = get_run(seconds=3 if repeats < 5 else 10)
    print("[media] the media route against Litestar's static files", file=sys.stderr, flush=True)
    report["media"] = media_run(photo.data, seconds=3 if repeats < 5 else 10)
    print("[readers] GET latency while others upload", file=sys.stderr, flush=True)
    report["readers"] = readers_run(photo.data, seconds=3 if repeats < 5 else 10)
    print(
        "[hosts] GET and upload through the Django and FastAPI hosts", file=sys.stderr, flush=True
    )
    report["hosts"] = hosts_run(seconds=3 if repeats < 5 else 10, uploads=repeats)
    print("[fingerprints] the codec with and without", file=sys.stderr, flush=True)
    phone_12 = [case for case in all_cases if case.name.startswith("12 MP phone-like JPEG")]
    report["fingerprints"] = fingerprints_run(phone_12, max(9, repeats))
    print("[blocklist] matching against 100,000 PDQ entries", file=sys.stderr, flush=True)
    report["blocklist"] = blocklist_run(matches=200 if repeats < 5 else 1000)
    report["targets"] = targets(report)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    print()
    print(render_variants(report["variants"]))
    print()
    print(render_get(report["get"]))
    print()
    print(render_media(report["media"]))
    print()
    print(render_readers(report["readers"]))
    print()
    print(render_hosts(report["hosts"]))
    print()
    print(render_fingerprints(report["fingerprints"]))
    print()
    print(render_blocklist(report["blocklist"]))
    print(f"\nwritten to {RESULTS}")


def measure(case: Case, contenders: dict[str, Contender], repeats: int) -> dict[str, Any]:
    sizes: dict[str, int] = {}
    for name, run in dict(contenders).items():  # warm up: imports, caches, lazy initialisation
        try:
            sizes[name] = len(run(case.data, case.slot))
        except Exception as error:  # libvips' wheel reads no HEIC (it has no HEVC decoder)
            print(f"  {name} cannot read it: {str(error).splitlines()[-1]}", file=sys.stderr)
            contenders = {n: r for n, r in contenders.items() if n != name}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            started = time.perf_counter()
            run(case.data, case.slot)
            times[name].append((time.perf_counter() - started) * 1000)
    row: dict[str, Any] = {"case": case.name, "input_bytes": len(case.data)}
    for name in contenders:
        row[name] = {
            "median_ms": round(statistics.median(times[name]), 1),
            "peak_extra_mb": round(peak_extra_memory(name, case), 1),
            "output_bytes": sizes[name],
        }
    codec_ms = row["codec"]["median_ms"]
    row["codec_vs_naive"] = round(codec_ms / row["naive"]["median_ms"], 2)
    if "pyvips" in row:
        row["codec_vs_pyvips"] = round(codec_ms / row["pyvips"]["median_ms"], 2)
        alone = row[IMAGE_ONLY]["median_ms"]
        row["image_only_vs_pyvips"] = round(alone / row["pyvips"]["median_ms"], 2)
    row["memory_vs_naive"] = round(
        row["codec"]["peak_extra_mb"] / max(row["naive"]["peak_extra_mb"], 0.1), 2
    )
    return row


def variant_cases(all_cases: list[Case]) -> list[Case]:
    """The 12 MP JPEG for both slots and the GIF, as the other cases have them, and a phone's
    12 MP photo of about 4.5 MB for both slots."""
    wanted = ("12 MP JPEG -> profile", "12 MP JPEG -> cover", "12-frame 480x360 GIF -> profile")
    chosen = [case for case in all_cases if case.name in wanted]
    return chosen + [case for case in all_cases if case.name.startswith("12 MP phone-like JPEG")]


def http_round_trip(case: Case, repeats: int) -> dict[str, Any]:
    """Upload ``case`` to a live `imagecore serve`, beside a bare receive of the same body by the
    same app and the server's codec alone (a child process per decode), all interleaved; and that
    codec against Pillow's in this process, which is what the isolation costs."""
    server_codec = build_codec(Settings.from_env({}))
    box, limits = DEFAULT_POLICIES[case.slot].box, ImageLimits()
    in_process = PillowCodec()
    runs: dict[str, list[float]] = {"upload": [], "receive": [], "codec": [], "in_process": []}
    command = (sys.executable, "-m", "bench.baseline_server")
    with (
        tempfile.TemporaryDirectory() as data_dir,
        live_server(Path(data_dir), command=command) as server,
    ):
        base, headers = server.base_url, {"Authorization": f"Bearer {server.token}"}
        files = {case.slot.value: ("a.jpg", case.data)}
        steps: dict[str, Callable[[], object]] = {
            "upload": lambda: http.post(API, files=files).raise_for_status(),
            "receive": lambda: http.post(RECEIVE, files=files).raise_for_status(),
            "codec": lambda: server_codec.encode(case.data, box, limits),
            "in_process": lambda: in_process.encode(case.data, box, limits),
        }
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            for step in steps.values():  # warm up: the fork server, the database, the pools
                step()
            for _ in range(repeats):
                for name, step in steps.items():
                    started = time.perf_counter()
                    step()
                    runs[name].append((time.perf_counter() - started) * 1000)
    medians = {name: statistics.median(times) for name, times in runs.items()}
    return {
        "case": case.name,
        **{f"{name}_ms": round(ms, 1) for name, ms in medians.items()},
        "ratio": round(medians["upload"] / (medians["receive"] + medians["codec"]), 2),
        "isolation": round(medians["codec"] / medians["in_process"], 2),
    }


def throughput(case: Case, images: int) -> dict[str, Any]:
    """Images per second through one codec with one worker thread, then two."""
    run = codec()
    run(case.data, case.slot)
    rates = {}
    for threads in (1, 2):
        with ThreadPoolExecutor(threads) as pool:
            started = time.perf_counter()
            list(pool.map(lambda _: run(case.data, case.slot), range(images)))
            rates[threads] = images / (time.perf_counter() - started)
    return {
        "case": case.name,
        "images": images,
        "one_thread_per_s": round(rates[1], 2),
        "two_threads_per_s": round(rates[2], 2),
        "ratio": round(rates[2] / rates[1], 2),
    }


Target = dict[str, Any]


def at_most(name: str, value: float | None, limit: float, shown: str = "") -> Target:
    """A target met by ``value`` at or under ``limit`` (``shown`` as the limit is written)."""
    holds = None if value is None else value <= limit
    return {"target": name, "want": f"<= {shown or limit}", "measured": value, "holds": holds}


def at_least(name: str, value: float | None, floor: float) -> Target:
    holds = None if value is None else value >= floor
    return {"target": name, "want": f">= {floor}", "measured": value, "holds": holds}


def targets(report: dict[str, Any]) -> list[Target]:
    rows = {row["case"]: row for row in report["cases"]}
    found: list[Target] = []
    for slot in ("profile", "cover"):
        row = rows[f"12 MP JPEG -> {slot}"]
        found += [
            at_most(f"12 MP JPEG {slot}: codec/pyvips", row.get("codec_vs_pyvips"), 1.0),
            at_most(
                f"12 MP JPEG {slot}: codec/naive", row["codec_vs_naive"], 1 / 3, "0.33 (3x faster)"
            ),
            at_most(f"12 MP JPEG {slot}: memory codec/naive", row["memory_vs_naive"], 0.3),
        ]
    for row in report["variants"]["uploads"]:
        if row["case"].startswith("12 MP JPEG"):
            name = "variants, " + row["case"].replace(" -> ", " ")
            found += [
                at_most(f"{name}: upload with/without", row["ratio"], 1.3),
                at_most(f"{name}: peak memory with/without", row["memory_ratio"], 1.2),
            ]
    for megapixels in (12, 24):
        for slot in ("profile", "cover"):
            name = f"{megapixels} MP phone-like JPEG {slot}"
            row = rows[f"{megapixels} MP phone-like JPEG -> {slot}"]
            found.append(
                at_most(f"{name}: image only/pyvips", row.get("image_only_vs_pyvips"), 1.1)
            )
            if "pyvips" in row:
                memory = row[IMAGE_ONLY]["peak_extra_mb"] / max(row["pyvips"]["peak_extra_mb"], 0.1)
                found.append(at_most(f"{name}: memory image only/pyvips", round(memory, 2), 1.0))
    png = rows["2000x1500 PNG -> profile"]
    found += [
        at_most("PNG, comparable output: image only/pyvips", png.get("image_only_vs_pyvips"), 1.3),
        at_least("2 threads / 1 thread", report["threads"]["ratio"], 1.7),
        at_most("HTTP upload / (bare receive + codec alone)", report["http"]["ratio"], 1.1),
    ]
    for row in report["get"].get("rows", []):
        name = row["repository"]
        found += [
            at_least(f"GET, {name}: GET / DRF", row["vs_drf"], 5),
            at_least(
                f"GET, {name}: GET / bare", row["ratio"], 0.5 if name == "postgresql" else 0.6
            ),
        ]
    found.append(
        at_most("GET p99 while 12 MP uploads run / idle", report["readers"]["p99_ratio"], 2.0)
    )
    for row in report["media"].get("rows", []):
        name = f"media GET, {row['file']} ({row['bytes']} B): media / static files"
        found.append(at_least(name, row["ratio"], 0.8))
    for row in report["fingerprints"]["rows"]:
        name = f"fingerprints, {row['case'].replace(' -> ', ' ')}: with / without"
        found.append(at_most(name, row["ratio"], 1.1))
    for row in report["blocklist"]["rows"]:
        name = f"blocklist, {row['database']}: match among 100,000 entries, ms"
        found.append(at_most(name, row["match_ms"], 10))
    return found


def render(report: dict[str, Any]) -> str:
    names = [n for n in ("codec", IMAGE_ONLY, "naive", "pyvips") if n in report["cases"][0]]
    lines = [f"machine: {report['machine']['summary']}", f"median of {report['repeats']} runs", ""]
    head = "| case | " + " | ".join(f"{n} ms" for n in names)
    head += " | codec/naive | codec/pyvips | image only/pyvips | "
    head += (
        " | ".join(f"{n} peak MB" for n in names)
        + " | "
        + " | ".join(f"{n} KB out" for n in names)
        + " |"
    )
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for row in report["cases"]:
        cells = [row["case"]]
        cells += [f"{row[n]['median_ms']:.1f}" if n in row else "-" for n in names]
        cells += [f"{row['codec_vs_naive']:.2f}", f"{row.get('codec_vs_pyvips', '-')}"]
        cells += [f"{row.get('image_only_vs_pyvips', '-')}"]
        cells += [f"{row[n]['peak_extra_mb']:.1f}" if n in row else "-" for n in names]
        cells += [f"{row[n]['output_bytes'] / 1024:.0f}" if n in row else "-" for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    http, threads = report["http"], report["threads"]
    lines += [
        "",
        f"HTTP upload ({http['case']}): {http['upload_ms']} ms; bare receive of the same body "
        f"{http['receive_ms']} ms + the server's codec alone {http['codec_ms']} ms: ratio "
        f"{http['ratio']}. That codec (a child process per decode) against Pillow in process "
        f"({http['in_process_ms']} ms): {http['isolation']}",
        f"throughput ({threads['case']}, {threads['images']} images): 1 thread "
        f"{threads['one_thread_per_s']}/s, 2 threads {threads['two_threads_per_s']}/s, "
        f"ratio {threads['ratio']}",
        "",
        "| target | want | measured | holds |",
        "|---|---|---|---|",
    ]
    for target in report["targets"]:
        holds = {True: "yes", False: "NO", None: "n/a"}[target["holds"]]
        lines.append(f"| {target['target']} | {target['want']} | {target['measured']} | {holds} |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        models = re.findall(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = models[0] if models else cpu
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
    }
    try:
        import pyvips  # type: ignore[import-not-found,import-untyped,unused-ignore]

        info["libvips"] = ".".join(str(pyvips.version(i)) for i in range(3))
    except (ImportError, OSError):
        pass
    info["summary"] = ", ".join(f"{k} {v}" for k, v in info.items())
    return info


if __name__ == "__main__":
    main()
