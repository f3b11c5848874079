"""The FastAPI host of the bench, for `uvicorn --factory --workers 2`: imagecore's routes with the
codec the standalone service runs (isolated, its decode slots shared by every worker), rate
limits off, on SQLite and files under BENCH_DIR, signed in with the standalone's tokens."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request

from imagecore import ImageSlots
from imagecore.adapters.decode_slots import LockFileSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import TokenPolicy
from imagecore.adapters.http.auth import InvalidToken, token_from_header, user_id_from_token
from imagecore.adapters.sql import SqliteDatabase
from imagecore.adapters.starlette import NotSignedIn, image_routes
from imagecore.app.settings import Settings
from imagecore.app.wiring import build_codec
from imagecore.decode_limit import SlottedCodec


def app() -> FastAPI:
    folder = Path(os.environ["BENCH_DIR"])
    policy = TokenPolicy.shared_secret(os.environ["BENCH_SECRET"])

    async def signed_in(request: Request) -> str | None:
        try:
            return user_id_from_token(
                token_from_header(request.headers.get("authorization")), policy
            )
        except InvalidToken as refused:
            raise NotSignedIn(str(refused)) from None

    database = SqliteDatabase(folder / "images.db")
    codec = SlottedCodec(build_codec(Settings.from_env({})), LockFileSlots(folder / "locks", 2))
    slots = ImageSlots(
        FsspecStorage.from_url(f"file://{folder / 'media'}"), database.repository, codec
    )
    images = image_routes(slots, signed_in)
    host = FastAPI(lifespan=images.lifespan)
    host.include_router(images.api_router())
    return host
