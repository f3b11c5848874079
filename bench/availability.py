"""`make availability`: what one hostile client costs a live server, measured from outside.

1. Each bomb of the security review, decoded as the server decodes it (a child process on the
   default budget): its answer, the CPU seconds and the peak memory of the decode.
2. Media GET latency (median, p99) with every decode slot held and ten uploads waiting, beside
   the same GETs with the slots free, in the same run.
3. The server's resident memory while four clients send headers without end.
4. How long a connection that sends nothing stays open.
5. The second review's crowd: 17 loopback addresses each holding 60 silent connections, opened
   again whenever the server closes them, while a new visitor GETs a media file: its answers and
   their latency, and the server's CPU seconds.
6. A reconnect storm from one address already at its cap: connections refused per second, the
   server's CPU seconds, and a visitor's media GET latency meanwhile.
7. One user's scan bombs against another user's upload: how long the other upload takes beside
   them, against the same upload on an idle server.

Not a test: it prints figures. Run it when nothing else runs.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import httpx
from PIL import Image

from bench.server import Live, live_server
from imagecore import Box, ImageLimits
from imagecore.adapters.decode_child import Usage
from imagecore.adapters.decode_slots import LockFileSlots
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.app.settings import Settings
from tests import images

API = "/api/resume/user-images/"
DEFAULT_IMAGE = "/media/resume/defaults/profile.png"


def bombs() -> dict[str, tuple[Callable[[], bytes], ImageLimits]]:
    wide = Image.new("RGBA", (16383, 2441), "red")
    exif = Image.Exif()
    exif[images.ORIENTATION] = 6
    limits = Settings().limits
    unlimited_scans = attrs.evolve(limits, max_scans=10**6)
    return {
        "progressive JPEG, 12 MP, 3,000 scans": (images.scan_bomb, limits),
        "the same, with the scan limit lifted": (images.scan_bomb, unlimited_scans),
        "GIF, 1x1 screen, 198 frames at (8999, 9899)": (
            lambda: images.gif_with_frames_at((0, 0), *[(8999, 9899)] * 198),
            limits,
        ),
        "WebP, 2 animated frames of 16383x2441": (
            lambda: images.encode(wide, "WEBP", save_all=True, append_images=[wide], lossless=True),
            limits,
        ),
        "WebP, lossless still of 40 MP": (
            lambda: images.encode(wide, "WEBP", lossless=True),
            limits,
        ),
        "PNG, 40 MP RGBA, ICC profile, EXIF turn": (
            lambda: images.encode(
                Image.new("RGBA", (8000, 5000), (10, 200, 30, 128)),
                "PNG",
                icc_profile=images.swapped_primaries_icc(),
                exif=exif.tobytes(),
            ),
            limits,
        ),
        "PNG, 40 MP 16-bit grey": (lambda: images.png((8000, 5000), 3, mode="I;16"), limits),
    }


class Usages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[Usage] = []

    def emit(self, record: logging.LogRecord) -> None:
        usage = getattr(record, "usage", None)
        if isinstance(usage, Usage):
            self.seen.append(usage)


def measure_bombs() -> None:
    settings = Settings()
    memory = settings.decode_memory_mb * 2**20
    codec = IsolatedCodec(
        functools.partial(PillowCodec, memory_budget=memory),
        seconds=settings.decode_seconds,
        memory=memory,
    )
    usages = Usages()
    logger = logging.getLogger("imagecore.adapters.isolated_codec")
    logger.addHandler(usages)
    logger.setLevel(logging.DEBUG)
    print("| file | bytes | answer | CPU s | peak MB |\n|---|---|---|---|---|")
    for name, (make, limits) in bombs().items():
        data = make()
        usages.seen.clear()
        try:
            image = codec.encode(data, Box(800, 800), limits)
            answer = f"stored, {image.width}x{image.height}"
        except Exception as error:  # the answer is the figure
            answer = f"refused: {error}"
        usage = usages.seen[0] if usages.seen else None
        # A child killed at its budget sends no figures: its CPU time is the budget.
        cpu = f"{usage.seconds:.2f}" if usage else f"{settings.decode_seconds} (killed)"
        peak = f"{usage.peak_bytes / 2**20:.0f}" if usage else "-"
        print(f"| {name} | {len(data):,} | {answer} | {cpu} | {peak} |")
    codec.close()


def latencies(live: Live, count: int = 200) -> tuple[float, float]:
    times = []
    with httpx.Client(base_url=live.base_url) as http:
        for _ in range(count):
            started = time.perf_counter()
            assert http.get(DEFAULT_IMAGE).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def measure_serving_with_slots_held(base: Path) -> None:
    # Imported here, not at the top: decode processes import this module again (as their main
    # module), and what it imports at the top counts in every decode's CPU time.
    from tests.http.support import SECRET, token_for

    env = {"IMAGECORE_DECODE_WAIT": "30", "IMAGECORE_JWT_SECRET": SECRET}
    with live_server(base / "slots", "--workers", "2", env=env) as live:
        free = latencies(live)
        slots = LockFileSlots(live.data_dir / "locks", Settings().max_concurrent_decodes)
        held = [slots.try_take() for _ in range(slots.count)]
        with ThreadPoolExecutor(10) as pool:
            waiting = [
                pool.submit(
                    httpx.post,
                    live.base_url + API,
                    headers={"Authorization": f"Bearer {token_for(f'user{n}')}"},
                    files={"profile_image": ("p.jpg", images.jpeg())},
                    timeout=60,
                )
                for n in range(10)  # ten users: one user may have two uploads in the gate
            ]
            time.sleep(0.5)
            busy = latencies(live)
            still_waiting = sum(not future.done() for future in waiting)
            for release in held:
                assert release is not None
                release()
            statuses = sorted(future.result().status_code for future in waiting)
        print(
            f"media GET, slots free: median {free[0]:.2f} ms, p99 {free[1]:.2f} ms; every slot "
            f"held and {still_waiting} uploads waiting: median {busy[0]:.2f} ms, p99 "
            f"{busy[1]:.2f} ms (ratio {busy[0] / free[0]:.2f}); the uploads then: {statuses}"
        )


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise LookupError("VmRSS")


def measure_endless_headers(base: Path) -> None:
    with live_server(base / "headers") as live:
        port = int(live.base_url.rpartition(":")[2])
        before = resident_mb(live.process.pid)
        sent = [0] * 4
        peak = before

        def flood(n: int) -> None:
            with socket.create_connection(("127.0.0.1", port)) as client:
                client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                try:
                    while sent[n] < 48 * 2**20:
                        client.sendall(b"X-A: b\r\n" * 4096)
                        sent[n] += 8 * 4096
                except OSError:
                    pass

        threads = [threading.Thread(target=flood, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, resident_mb(live.process.pid))
            time.sleep(0.01)
        print(
            f"four clients sending endless headers: each cut off after {max(sent) / 1024:.0f} KB "
            f"sent; server resident {before:.0f} MB before, {peak:.0f} MB at most meanwhile"
        )


def measure_silent_connection(base: Path) -> None:
    with live_server(base / "silent") as live:
        port = int(live.base_url.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(120)
            started = time.monotonic()
            reply = client.recv(4096)
            while client.recv(4096):
                pass
            lasted = time.monotonic() - started
        print(
            f"a silent connection: closed after {lasted:.1f} s with {reply.split(b' ')[1].decode()}"
        )


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hold_connections(port: int, source: str, count: int, stop: threading.Event) -> None:
    """``count`` silent connections from ``source``, each opened again once the server closes
    it, until ``stop``."""
    held: list[socket.socket] = []
    while not stop.is_set():
        for client in list(held):
            try:
                if client.recv(65536) == b"":
                    held.remove(client)
                    client.close()
            except BlockingIOError:
                pass
            except OSError:
                held.remove(client)
                client.close()
        try:
            while len(held) < count:
                client = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
                client.setblocking(False)
                held.append(client)
        except OSError:
            pass
        time.sleep(0.05)
    for client in held:
        client.close()


def visitor_gets(live: Live, seconds: float, source: str) -> tuple[collections.Counter[int], float]:
    """A new visitor's media GETs from ``source``, a new connection each, for ``seconds``: the
    statuses, and the p99 in milliseconds."""
    statuses: collections.Counter[int] = collections.Counter()
    times = []
    deadline = time.monotonic() + seconds
    transport = httpx.HTTPTransport(local_address=source)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            with httpx.Client(transport=transport, timeout=10) as client:
                statuses[client.get(live.base_url + DEFAULT_IMAGE).status_code] += 1
        except httpx.TransportError:
            statuses[0] += 1
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    times.sort()
    return statuses, times[max(0, int(len(times) * 0.99) - 1)]


def measure_crowd(base: Path) -> None:
    with live_server(base / "crowd") as live:
        port = int(live.base_url.rpartition(":")[2])
        stop = threading.Event()
        holders = [
            threading.Thread(target=hold_connections, args=(port, f"127.0.1.{n}", 60, stop))
            for n in range(1, 18)
        ]
        for holder in holders:
            holder.start()
        time.sleep(3)
        cpu = cpu_seconds(live.process.pid)
        statuses, p99 = visitor_gets(live, 25, "127.0.2.1")  # two header timeouts and more
        cpu = cpu_seconds(live.process.pid) - cpu
        stop.set()
        for holder in holders:
            holder.join()
        print(
            f"17 addresses holding 60 silent connections each, reopened when closed: a new "
            f"visitor's media GETs over 25 s: {dict(statuses)}, p99 {p99:.1f} ms; server CPU "
            f"{cpu:.1f} s"
        )


def measure_reconnect_storm(base: Path) -> None:
    with live_server(base / "storm") as live:
        port = int(live.base_url.rpartition(":")[2])
        stop = threading.Event()
        holder = threading.Thread(target=hold_connections, args=(port, "127.0.3.1", 64, stop))
        holder.start()
        time.sleep(1)
        attempts = [0] * 4

        def storm(n: int) -> None:
            while not stop.is_set():
                try:
                    with socket.create_connection(
                        ("127.0.0.1", port), source_address=("127.0.3.1", 0)
                    ) as client:
                        client.recv(4096)
                except OSError:
                    pass
                attempts[n] += 1

        stormers = [threading.Thread(target=storm, args=(n,)) for n in range(4)]
        cpu = cpu_seconds(live.process.pid)
        _, calm = visitor_gets(live, 15, "127.0.3.2")
        baseline = cpu_seconds(live.process.pid) - cpu  # the visitor's GETs and the held ones
        cpu = cpu_seconds(live.process.pid)
        for stormer in stormers:
            stormer.start()
        statuses, p99 = visitor_gets(live, 15, "127.0.3.2")
        stop.set()
        for thread in [holder, *stormers]:
            thread.join()
        cpu = cpu_seconds(live.process.pid) - cpu - baseline
        print(
            f"a reconnect storm from an address at its cap: {sum(attempts):,} connections "
            f"refused in 15 s at {cpu:.1f} s of server CPU beyond the same 15 s without them "
            f"({cpu / max(1, sum(attempts)) * 1e6:.0f} us each); a visitor's media GETs "
            f"meanwhile: {dict(statuses)}, p99 {p99:.1f} ms ({calm:.1f} ms without the storm)"
        )


def measure_bomb_sender(base: Path) -> None:
    from tests.http.support import SECRET, token_for  # see measure_serving_with_slots_held

    env = {
        "IMAGECORE_MAX_SCANS": "1000000",
        "IMAGECORE_DECODE_WAIT": "30",
        "IMAGECORE_JWT_SECRET": SECRET,
    }
    with live_server(base / "bombs", env=env) as live:

        def upload(data: bytes, user: str) -> tuple[int, float]:
            started = time.perf_counter()
            answer = httpx.post(
                live.base_url + API,
                headers={"Authorization": f"Bearer {token_for(user)}"},
                files={"profile_image": ("p.jpg", data)},
                timeout=120,
            )
            return answer.status_code, time.perf_counter() - started

        photo = images.jpeg((1600, 1200))
        idle = statistics.median(upload(photo, "bob")[1] for _ in range(5))
        with ThreadPoolExecutor(2) as pool:
            bombs = [pool.submit(upload, images.scan_bomb(), "mallory") for _ in range(2)]
            time.sleep(1)
            status, beside = upload(photo, "bob")
            answers = [bomb.result() for bomb in bombs]
        print(
            f"one user's two scan bombs ({[a[0] for a in answers]} after "
            f"{max(a[1] for a in answers):.1f} s): another user's upload {status} in "
            f"{beside * 1000:.0f} ms beside them, {idle * 1000:.0f} ms on the idle server"
        )


def main() -> None:
    measure_bombs()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        measure_serving_with_slots_held(base)
        measure_endless_headers(base)
        measure_silent_connection(base)
        measure_crowd(base)
        measure_reconnect_storm(base)
        measure_bomb_sender(base)


if __name__ == "__main__":
    main()
