"""`imagecore serve` extends uvicorn's httptools protocol and calls into its internals: the
uvicorn it may be installed with is pinned to the release these were read from, and what it
relies on is checked to be there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from imagecore.app.protocol import GuardedProtocol

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_uvicorn_is_pinned_to_the_minor_release_the_protocol_was_written_for() -> None:
    server = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]["server"]
    [pin] = [spec for spec in server if spec.startswith("uvicorn")]
    found = re.fullmatch(r"uvicorn\[standard\]>=(\d+)\.(\d+),<(\d+)\.(\d+)", pin)
    assert found, pin
    low_major, low_minor, high_major, high_minor = map(int, found.groups())
    assert (high_major, high_minor) == (low_major, low_minor + 1)
    installed = tuple(map(int, uvicorn.__version__.split(".")[:2]))
    assert installed == (low_major, low_minor)


def test_what_the_guarded_protocol_relies_on_is_uvicorn_s() -> None:
    """Every method it overrides or calls, and the state it reads, exist in the installed
    uvicorn: a release that renamed one would otherwise fail only under attack."""
    overridden = {
        name
        for name in vars(GuardedProtocol)
        if callable(getattr(GuardedProtocol, name)) and not name.startswith("_")
    } - {"waiting"}
    assert overridden <= set(dir(HttpToolsProtocol)), overridden - set(dir(HttpToolsProtocol))
    for name in ("timeout_keep_alive_handler", "send_400_response", "on_response_complete"):
        assert callable(getattr(HttpToolsProtocol, name))
    source = Path(uvicorn.protocols.http.httptools_impl.__file__).read_text()
    for state in ("self.pipeline", "self.flow", "self.cycle", "self.timeout_keep_alive_task"):
        assert state in source
    assert {"response_complete", "response_started"} <= set(
        RequestResponseCycle.__init__.__code__.co_names
    )
