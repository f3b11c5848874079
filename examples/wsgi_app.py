"""The core inside someone else's web app: a plain WSGI app with an auth scheme of its own.

Here the host identifies users by an API key header (think of a Django or Flask view reading
``request.user``); imagecore only needs the user id. It reuses the same ``ImageSlots`` and
adapters, and maps the core's errors to statuses its own way.

Run it: python examples/wsgi_app.py, then
  curl -H 'X-Api-Key: key-of-ada' -F profile_image=@photo.jpg http://127.0.0.1:8080/me/images
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

from multipart import parse_form_data

from imagecore import ImageCoreError, ImageSlots, RequestError, Slot
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.sql import SqliteDatabase
from imagecore.errors import SlotEmpty

#: The host's own users and keys.
API_KEYS = {"key-of-ada": "ada", "key-of-bob": "bob"}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def make_app(slots: ImageSlots) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        user = API_KEYS.get(environ.get("HTTP_X_API_KEY", ""))
        if user is None:
            return reply(start_response, "401 Unauthorized", {"detail": "unknown API key"})
        if environ["PATH_INFO"] != "/me/images":
            return reply(start_response, "404 Not Found", {"detail": "no such page"})
        try:
            if environ["REQUEST_METHOD"] == "POST":
                _, files = parse_form_data(environ)
                uploads = {slot: files[slot.value].raw for slot in Slot if slot.value in files}
                slots.upload(user, uploads)
            elif environ["REQUEST_METHOD"] == "DELETE":
                slots.delete(
                    user, Slot.parse(environ.get("QUERY_STRING", "").removeprefix("slot="))
                )
            images = slots.current(user)
            return reply(
                start_response,
                "200 OK",
                {
                    slot.value: None if shown is None else shown.key
                    for slot, shown in slots.shown(images).items()
                },
            )
        except SlotEmpty as error:
            return reply(start_response, "404 Not Found", {"detail": str(error)})
        except RequestError as error:
            return reply(start_response, "422 Unprocessable Content", {"detail": str(error)})
        except ImageCoreError as error:
            return reply(start_response, "503 Service Unavailable", {"detail": str(error)})

    return app


def reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def build(data_dir: Path) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slots = ImageSlots(
        storage=FsspecStorage.from_url((data_dir / "media").as_uri()),
        repository=SqliteDatabase(data_dir / "images.db").repository,
        codec=PillowCodec(),
    )
    return make_app(slots)


if __name__ == "__main__":
    with make_server("127.0.0.1", 8080, build(Path("var-wsgi"))) as server:
        print("serving on http://127.0.0.1:8080/me/images")
        server.serve_forever()
