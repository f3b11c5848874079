"""The isolated codec's own fork server: decodes in processes the codec owns, and a host
process, its own fork server and its process-pool workers left as they were."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from imagecore import Box, ImageLimits
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.errors import Abandoned
from tests import images

BOX = Box(10, 10)

#: A host that uses process pools of its own, started before or after imagecore decodes.
HOST = """
import json, multiprocessing, multiprocessing.forkserver, os, signal, sys
from concurrent.futures import ProcessPoolExecutor

from imagecore import Box, ImageLimits


def state():
    return {
        "nice": os.nice(0),
        "sigint": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
        "sigterm": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
    }


def pools():
    found = {}
    for method in ("forkserver", "fork", "spawn"):
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            found[method] = pool.submit(state).result()
    return found


if __name__ == "__main__":
    from imagecore.adapters.isolated_codec import IsolatedCodec
    from imagecore.adapters.pillow_codec import PillowCodec

    found = {"start": state()}
    if sys.argv[1] == "pools first":
        found["before"] = pools()
    codec = IsolatedCodec(PillowCodec)
    image = codec.encode(sys.stdin.buffer.read(), Box(10, 10), ImageLimits())
    found["decoded"] = image.width
    found["after"] = pools()
    codec.close()
    found["host"] = state()
    # Python's fork server preloads the main module only, unless someone changed its list.
    found["preload"] = multiprocessing.forkserver._forkserver._preload_modules
    print(json.dumps(found))
"""


@pytest.mark.parametrize("order", ["pools first", "decodes first"])
def test_a_host_s_processes_keep_their_priority_and_signals(tmp_path: Path, order: str) -> None:
    """Whether the host started its fork server and pools before imagecore decoded or after,
    its workers (fork server, fork and spawn alike) and its own process keep the priority it
    started with and the default handlers of SIGINT and SIGTERM, and Python's fork server its
    preload list."""
    script = tmp_path / "host.py"
    script.write_text(HOST)
    done = subprocess.run(
        [sys.executable, str(script), order],
        input=images.jpeg((40, 30)),
        capture_output=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout)
    untouched = found["start"]
    assert untouched["sigint"] and untouched["sigterm"]
    assert found["decoded"] == 10
    for when in ("before", "after") if order == "pools first" else ("after",):
        assert found[when] == {method: untouched for method in ("forkserver", "fork", "spawn")}
    assert found["host"] == untouched
    assert found["preload"] == ["__main__"]


def test_a_fork_server_killed_from_outside_is_started_again() -> None:
    codec = IsolatedCodec(PillowCodec)
    try:
        assert codec.encode(images.jpeg(), BOX, ImageLimits()).width == 10
        running = codec._fork_server._running
        assert running is not None
        os.kill(running.process.pid, signal.SIGKILL)
        running.process.wait()
        assert codec.encode(images.jpeg(), BOX, ImageLimits()).width == 10
    finally:
        codec.close()


def test_closing_ends_the_fork_server_and_refuses_what_comes_after() -> None:
    codec = IsolatedCodec(PillowCodec)
    codec.encode(images.jpeg(), BOX, ImageLimits())
    running = codec._fork_server._running
    assert running is not None
    codec.close()
    assert running.process.poll() is not None
    with pytest.raises(Abandoned):
        codec.encode(images.jpeg(), BOX, ImageLimits())


def test_a_codec_dropped_without_closing_ends_its_fork_server() -> None:
    codec = IsolatedCodec(PillowCodec)
    codec.encode(images.jpeg(), BOX, ImageLimits())
    running = codec._fork_server._running
    assert running is not None
    del codec
    assert running.process.wait(timeout=10) is not None
