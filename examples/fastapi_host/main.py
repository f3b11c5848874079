"""A FastAPI app whose users keep a profile and a cover image: the API guide's routes, served
by imagecore inside the app, behind the app's own sign-in.

Run it: IMAGES_DIR=var/media SECRET_KEY=... uvicorn examples.fastapi_host.main:app
"""

from __future__ import annotations

import os

import jwt
from fastapi import FastAPI, Request

from imagecore import ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.sql import SqliteDatabase
from imagecore.adapters.starlette import image_routes

SECRET_KEY = os.environ.get("SECRET_KEY", "change-me-to-a-long-random-secret-of-32-chars")
IMAGES_DIR = os.path.abspath(os.environ.get("IMAGES_DIR", "var/media"))


async def signed_in_user(request: Request) -> str | None:
    """The app's own sign-in: the user id of its bearer token, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        return str(jwt.decode(token, SECRET_KEY, algorithms=["HS256"])["sub"])
    except (jwt.InvalidTokenError, KeyError):
        return None


database = SqliteDatabase(os.path.join(IMAGES_DIR, "images.db"))
slots = ImageSlots(
    FsspecStorage.from_url(f"file://{IMAGES_DIR}"), database.repository, PillowCodec()
)
images = image_routes(slots, signed_in_user)

app = FastAPI(title="A résumé site", lifespan=images.lifespan)
app.include_router(images.api_router())


@app.get("/")
async def home() -> dict[str, str]:
    return {"app": "the host's own route"}
