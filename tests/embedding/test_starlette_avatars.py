"""A FastAPI host's default avatars: its identity callable gives the user's display name with
the id, the core it built draws the avatars, and the routes serve them."""

from __future__ import annotations

import httpx
from starlette.requests import Request

from imagecore import AvatarPolicy, AvatarStyle, ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.avatar_painter import PillowAvatarPainter
from imagecore.adapters.starlette import SignedIn, image_routes
from tests.fonts import FONT, painter_or_skip
from tests.loops import run_alone

API = "/api/resume/user-images/"


def test_a_fastapi_host_s_users_get_their_initials() -> None:
    from fastapi import FastAPI

    painter_or_skip()
    slots = ImageSlots(
        FsspecStorage.from_url("memory://avatars"),
        MemoryRepository(),
        PillowCodec(),
        avatars=AvatarPolicy(AvatarStyle.INITIALS, b"the host's own secret"),
        painter=PillowAvatarPainter.with_fonts([FONT]),
    )

    async def who(request: Request) -> SignedIn | str | None:
        user = request.headers.get("x-user")
        if user == "ada":
            return SignedIn("1", display_name="Ada Lovelace")
        return user  # an id alone: no name, so an identicon

    images = image_routes(slots, who)
    app = FastAPI(lifespan=images.lifespan)
    app.include_router(images.api_router())

    async def visit() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://host") as client,
        ):
            answer = await client.get(API, headers={"x-user": "ada"})
            detail = answer.json()["details"]["profile_image"]
            assert detail["default"] is True and detail["url"].endswith("-414c.svg")  # "AL"
            served = await client.get(detail["url"])
            assert served.headers["content-type"].startswith("image/svg+xml")
            assert b">AL</text>" in served.content
            webp = await client.get(detail["variants"][-1]["url"])
            assert webp.headers["content-type"] == "image/webp"
            assert webp.content[8:12] == b"WEBP"
            answer = await client.get(API, headers={"x-user": "2"})
            assert "/generated/identicon-" in answer.json()["images"]["profile_image"]
            assert (await client.get(API)).status_code == 401

    run_alone(visit())
