"""The standalone app mounted in a host's ASGI app: the host's own sign-in through HttpConfig's
identity callable, and the app's lifespan run in the host's (Starlette runs no mounted app's)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI
from litestar.connection import ASGIConnection

from imagecore import ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import HttpConfig, create_app, lifespan
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.sql import PostgresDatabase
from tests import images
from tests.loops import run_alone


async def session_user(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The host's sign-in: here, a header its own middleware would have set."""
    return connection.headers.get("x-signed-in-user")


def test_a_mounted_app_reads_through_postgres_once_the_host_runs_its_lifespan(
    postgres_url: str,
) -> None:
    """GET reads on PostgreSQL's async driver, which the app's lifespan opens: entered in the
    host's lifespan, every guide call works with the host's own sign-in; without it, a GET is
    a 503 saying the reader is not open, never a 500."""
    database = PostgresDatabase(postgres_url)
    slots = ImageSlots(
        FsspecStorage.from_url("memory://mounted"), database.repository, PillowCodec()
    )
    images_app = create_app(
        slots,
        HttpConfig(identity=session_user, reader=database.reader, media_url="/images/media/"),
    )

    @contextlib.asynccontextmanager
    async def host_lifespan(host: FastAPI) -> AsyncIterator[None]:
        async with lifespan(images_app):
            yield

    async def scenario() -> list[Any]:
        seen: list[Any] = []
        host = FastAPI(lifespan=host_lifespan)
        host.mount("/images", images_app)
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://host") as client:
            api = "/images/api/resume/user-images/"
            ada = {"x-signed-in-user": "ada"}
            seen.append((await client.get(api, headers=ada)).status_code)
            async with host.router.lifespan_context(host):
                seen.append((await client.get(api)).json())
                seen.append((await client.get(api, headers=ada)).json()["images"])
                sent = await client.post(
                    api, headers=ada, files={"cover_image": ("c.png", images.png())}
                )
                seen.append(sent.json()["cover_image"])
                seen.append((await client.get(sent.json()["cover_image"])).status_code)
        return seen

    try:
        not_open, anonymous, fresh, cover, shown = run_alone(scenario())
    finally:
        database.close()
    assert not_open == 503
    assert anonymous == {"error": "Authentication required: sign in first."}
    assert fresh == {
        "profile_image": "/images/media/resume/defaults/profile.png",
        "cover_image": None,
    }
    assert cover.startswith("/images/media/resume/covers/cover_")
    assert shown == 200
