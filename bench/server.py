"""A live `imagecore serve` for the benchmark and the load run."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx

#: Rate limits off: a load run sends many uploads from one address.
UNLIMITED = {
    f"IMAGECORE_{action}_RATE_PER_{who}": "off"
    for action in ("UPLOAD", "DELETE")
    for who in ("USER", "ADDRESS")
}


@attrs.frozen
class Live:
    base_url: str
    token: str
    process: subprocess.Popen[bytes]
    data_dir: Path


@contextlib.contextmanager
def live_server(
    data_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    command: tuple[str, ...] | None = None,
) -> Iterator[Live]:
    """`imagecore serve` on a free port of 127.0.0.1, with the token it printed; ``command``
    runs instead of the `imagecore` executable (its arguments follow)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "serve.log"
    executable = Path(sys.executable).with_name("imagecore")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECORE_")}
    environ |= {"IMAGECORE_DATA_DIR": str(data_dir), "IMAGECORE_LOG_LEVEL": "WARNING"}
    environ |= UNLIMITED | (env or {})
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*(command or (str(executable),)), "serve", "--port", str(port), *args],
            stdout=out,
            stderr=out,
            env=environ,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/api/resume/user-images/").status_code == 401:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("imagecore serve did not start:\n" + log.read_text())
            time.sleep(0.1)
        # The banner shows a token only for a secret of its own making; with one configured,
        # the demo user's is made here.
        match = re.search(r"export TOKEN=(\S+)", log.read_text())
        token = match.group(1) if match else demo_token(environ["IMAGECORE_JWT_SECRET"])
        yield Live(base, token, process, data_dir)
    finally:
        process.terminate()
        process.wait(15)


def demo_token(secret: str) -> str:
    """A token for the banner's demo user, signed with ``secret``, valid a day."""
    from imagecore.adapters.http import TokenPolicy, issue_token

    return issue_token("demo", TokenPolicy.shared_secret(secret), ttl=24 * 3600)
