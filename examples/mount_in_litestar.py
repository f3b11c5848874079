"""The HTTP API mounted inside a host Litestar app, under a path of its own.

The host keeps its routes; imagecore's API answers under /images (the guide's client then uses
``/images/api/resume/`` as its base URL), and its media URLs carry the prefix too. The default
profile image and the published limits come from the core itself: nothing else to set up.

Run it: uvicorn examples.mount_in_litestar:app (from the project folder)
"""

from __future__ import annotations

from litestar import Litestar, asgi, get

from imagecore import ImageLimits, ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import HttpConfig, TokenPolicy, create_app
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec

PREFIX = "/images"


@get("/")
async def home() -> dict[str, str]:
    return {"app": "the host's own route"}


def build_host(secret: str) -> Litestar:
    slots = ImageSlots(
        storage=FsspecStorage.from_url("memory://media"),
        repository=MemoryRepository(),
        codec=PillowCodec(),
        limits=ImageLimits(max_bytes=4 * 1024 * 1024),
    )
    images = create_app(
        slots,
        HttpConfig(tokens=TokenPolicy.shared_secret(secret), media_url=f"{PREFIX}/media/"),
    )
    return Litestar(route_handlers=[home, asgi(PREFIX, is_mount=True, copy_scope=True)(images)])


app = build_host("change-me-to-a-long-random-secret-of-32-chars")
