"""The hosts the guide's contract runs against, each with the settings it asks for
(:data:`imagecore.testing.guide.HOST_SETTINGS`), and real servers of them.

The ASGI apps are built by factories that uvicorn calls in a process of its own
(``uvicorn --factory tests.embedding.hosts:fastapi_app``), their files under ``HOST_DIR``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from litestar import Litestar
from starlette.applications import Starlette

from imagecore import ImageLimits, ImageSlots, cancellation
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import HttpConfig, TokenPolicy, create_app, issue_token
from imagecore.adapters.http.auth import InvalidToken, token_from_header, user_id_from_token
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.sql import SqliteDatabase
from imagecore.adapters.starlette import NotSignedIn, image_routes
from imagecore.adapters.web.body_budget import BodyBudget
from imagecore.adapters.web.rates import RateRules
from imagecore.errors import Abandoned
from imagecore.model import EncodedImage
from imagecore.policies import Box
from imagecore.testing.guide import HOST_SETTINGS
from imagecore.throttle import Limit, Throttle
from tests.fakes import FakeCodec
from tests.servers import free_port

SECRET = "a-secret-the-contract-hosts-share-32+"
POLICY = TokenPolicy.shared_secret(SECRET)


def users(label: str) -> tuple[str, dict[str, str]]:
    """The token hosts' users: the label is the id."""
    return label, {"Authorization": f"Bearer {issue_token(label, POLICY, ttl=600)}"}


def contract_parts(root: Path) -> tuple[ImageSlots, RateRules, BodyBudget]:
    """The service, rate rules and body budget of HOST_SETTINGS, its files under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    database = SqliteDatabase(root / "images.db")
    slots = ImageSlots(
        FsspecStorage.from_url(f"file://{root / 'media'}"),
        database.repository,
        PillowCodec(),
        limits=ImageLimits(max_bytes=HOST_SETTINGS["max_upload_bytes"]),
    )
    rules = RateRules(Throttle(database.rate_counter), per_user={"delete": Limit(4, 3600)})
    bodies = BodyBudget(per_address=HOST_SETTINGS["body_budget_per_address"])
    return slots, rules, bodies


def litestar_host(root: Path) -> Litestar:
    slots, rules, bodies = contract_parts(root)
    return create_app(slots, HttpConfig(tokens=POLICY, rate_rules=rules, bodies=bodies))


async def bearer_user(request: Request) -> str | None:
    """A FastAPI host's own sign-in: here, the same tokens the other hosts take, refused in the
    same words."""
    try:
        return user_id_from_token(token_from_header(request.headers.get("authorization")), POLICY)
    except InvalidToken as refused:
        raise NotSignedIn(str(refused)) from None


def fastapi_host(root: Path) -> FastAPI:
    slots, rules, bodies = contract_parts(root)
    images = image_routes(slots, bearer_user, rate_rules=rules, bodies=bodies)
    app = FastAPI(lifespan=images.lifespan)
    app.include_router(images.api_router())
    return app


def starlette_app() -> Starlette:
    """A plain Starlette app, for uvicorn's --factory."""
    slots, rules, bodies = contract_parts(Path(os.environ["HOST_DIR"]))
    images = image_routes(slots, bearer_user, rate_rules=rules, bodies=bodies)
    return Starlette(routes=images.routes, lifespan=images.lifespan)


class DecodeUntilCancelled(FakeCodec):
    """A decode that runs until its upload is cancelled, saying so in files beside the host's:
    ``decoding`` when it starts, ``cancelled`` when the cancel reached it."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        (self.folder / "decoding").touch()
        cancel = cancellation.current()
        assert cancel is not None, "an upload's decode runs with its cancel event"
        if not cancel.wait(30):
            raise AssertionError("never cancelled")
        (self.folder / "cancelled").touch()
        raise Abandoned()


def starlette_app_decoding_until_cancelled() -> Starlette:
    """A Starlette app whose uploads decode until cancelled, for uvicorn's --factory."""
    folder = Path(os.environ["HOST_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    slots = ImageSlots(
        FsspecStorage.from_url(f"file://{folder / 'media'}"),
        MemoryRepository(),
        DecodeUntilCancelled(folder),
    )
    images = image_routes(slots, bearer_user)
    return Starlette(routes=images.routes, lifespan=images.lifespan)


def fastapi_app() -> FastAPI:
    """For uvicorn's --factory."""
    return fastapi_host(Path(os.environ["HOST_DIR"]))


@contextlib.contextmanager
def uvicorn_serving(factory: str, root: Path, **env: str) -> Iterator[str]:
    """``factory`` served by a real uvicorn process on a free port; its base URL."""
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port"]
    log = root.parent / f"{root.name}-uvicorn.log"
    environ = {**os.environ, "HOST_DIR": str(root), **env}
    with serving(lambda port: [*command, str(port)], environ, log) as base_url:
        yield base_url


@contextlib.contextmanager
def serving(
    command_on: Callable[[int], list[str]],
    env: Mapping[str, str],
    log: Path,
    cwd: Path | None = None,
) -> Iterator[str]:
    """The server ``command_on(port)`` starts, on a free port, its output in ``log``: its base
    URL once it answers; stopped after the block."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command_on(port), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=dict(env)
        )
    try:
        yield wait_until_answering(f"http://127.0.0.1:{port}", process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_answering(base_url: str, process: subprocess.Popen[Any], log: Path) -> str:
    """``base_url`` once the guide's limits path answers there."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the host exited:\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(base_url + "/api/resume/user-images/limits/", timeout=2)
            return base_url
        time.sleep(0.1)
    raise RuntimeError(f"the host did not answer:\n{log.read_text()}")
