"""Real `imagecore serve` processes on free ports, for the end-to-end and browser tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx

from bench.server import demo_token

IMAGECORE = Path(sys.executable).with_name("imagecore")


@attrs.frozen
class Server:
    base_url: str
    token: str
    data_dir: Path
    log: Path
    #: The server's process (with one worker, the one that answers).
    pid: int = 0

    @property
    def port(self) -> int:
        return int(self.base_url.rpartition(":")[2])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Server]:
    """Start `imagecore serve` on a free port and wait until it answers."""
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECORE_")}
    # Rate limits would throttle the many uploads these tests make from one address and user;
    # the tests of the limits themselves turn them back on.
    unlimited = {
        f"IMAGECORE_{action}_RATE_PER_{who}": "off"
        for action in ("UPLOAD", "DELETE")
        for who in ("USER", "ADDRESS")
    }
    environ |= {"IMAGECORE_DATA_DIR": str(data_dir), **unlimited, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(IMAGECORE), "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"imagecore serve exited:\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/api/resume/user-images/").status_code == 401:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"imagecore serve did not answer:\n{log.read_text()}")
        time.sleep(0.1)
    # The banner shows a token only for a secret of its own making; with one configured, the
    # demo user's is made here.
    match = re.search(r"export TOKEN=(\S+)", log.read_text())
    token = match.group(1) if match else demo_token(environ["IMAGECORE_JWT_SECRET"])
    return process, Server(base_url, token, data_dir, log, process.pid)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def serving(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A real `imagecore serve` process while the block runs, stopped after it."""
    process, server = start_server(data_dir, *args, env=env)
    try:
        yield server
    finally:
        stop_server(process)
