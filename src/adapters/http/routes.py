"""The API guide's routes: each handler turns a request into a call on the core, and back.

The core, its storage and its codec are synchronous, so handlers run in a worker thread, except
reads, through the app's reader (PostgreSQL's async driver; on the event loop where the
repository answers at once, as memory and SQLite do; else a thread), and uploads, which run on
threads of their own once a decode slot is theirs (see :mod:`imagecore.adapters.web.admission`).
The bodies are the web layer's (:mod:`imagecore.adapters.web.answers`), sent as its bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import attrs
import msgspec
from litestar import MediaType, Request, Response, delete, get, patch, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Example
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK

from imagecore import ImageRepository, ImageSlots, Slot, UserImages
from imagecore.adapters.http.forms import read_descriptions, read_image_form
from imagecore.adapters.http.limits import rate_limit, request_address
from imagecore.adapters.http.openapi import Operations
from imagecore.adapters.web import answers
from imagecore.adapters.web.admission import UploadGate
from imagecore.adapters.web.answers import Urls
from imagecore.adapters.web.body_budget import BodyBudget, declared_length
from imagecore.adapters.web.forms import Patch, UploadForm, slot_to_delete
from imagecore.adapters.web.signed_in import SignedIn
from imagecore.model import Owner
from imagecore.ports import AsyncImageReader

API_PATH = "/api/resume"
IMAGES = "/user-images"


@attrs.frozen
class Api:
    """What the handlers work with, as one dependency: Litestar resolves several at once in a
    task group of their own, which cost a GET a fifth of its time."""

    slots: ImageSlots
    urls: Urls
    gate: UploadGate
    #: GET .../limits/'s answer, encoded.
    published: bytes
    bodies: BodyBudget
    #: How a GET reads a user's images (see HttpConfig.reader).
    reader: AsyncImageReader


@attrs.frozen
class ThreadedReader:
    """Reads ``repository`` on a worker thread: for any repository, as the other routes use
    the core, where no reader of its own is given."""

    repository: ImageRepository

    async def open(self) -> None:
        pass

    async def get(self, user_id: str) -> UserImages:
        return await sync_to_thread(self.repository.get, user_id)

    async def close(self) -> None:
        pass


#: The web layer's bodies, encoded as answers.encode does, byte for byte (tests/http/
#: test_encoding.py), by Litestar's own encoder: a tenth of the time, on every GET.
_ENCODER = msgspec.json.Encoder()


def owner(request: Request[str, Any, Any]) -> Owner:
    """Whose images a request is about, with the name the host gives them."""
    who = request.auth
    return Owner(request.user, who.display_name if isinstance(who, SignedIn) else None)


def _json(body: answers.Body | bytes) -> Response[bytes]:
    encoded = body if isinstance(body, bytes) else _ENCODER.encode(body)
    return Response(encoded, media_type=MediaType.JSON)


async def current_images(
    request: Request[str, Any, Any], api: NamedDependency[Api]
) -> Response[bytes]:
    images = await api.reader.get(request.user)
    return _json(answers.current(api.slots, api.urls, images, owner(request)))


async def upload_form(
    request: Request[str, Any, Any], api: NamedDependency[Api]
) -> AsyncIterator[UploadForm]:
    """The upload's form, its bytes held in the body budget until the upload is answered."""
    address = request_address(request.scope, request.app.state.get("rate_rules"))
    with api.bodies.account(address) as account:
        account.need(declared_length(request.headers.get("content-length"), api.slots))
        yield await read_image_form(request, account)


async def upload_images(
    request: Request[str, Any, Any],
    api: NamedDependency[Api],
    form: NamedDependency[UploadForm],
) -> Response[bytes]:
    def upload() -> UserImages:
        return api.slots.upload(
            request.user, form.files, form.descriptions, form.crops, focuses=form.focuses
        )

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    images = await api.gate.run(upload, request.user, disconnected)
    return _json(answers.uploaded(api.slots, api.urls, images, form.files, owner(request)))


def describe_images(
    request: Request[str, Any, Any],
    api: NamedDependency[Api],
    descriptions: NamedDependency[Patch],
) -> Response[bytes]:
    patch = descriptions
    images = api.slots.describe(request.user, patch.descriptions, focuses=patch.focuses)
    body = answers.described(
        api.slots, api.urls, images, patch.descriptions, owner(request), patch.focuses
    )
    return _json(body)


def delete_image(
    request: Request[str, Any, Any],
    api: NamedDependency[Api],
    slot_name: Annotated[
        str | None,
        QueryParameter(
            name="type",
            description="Which image to delete.",
            examples=[Example(value=slot.value) for slot in Slot],
        ),
    ] = None,
) -> Response[bytes]:
    slot = slot_to_delete(request.query_params.getall("type", []))
    api.slots.delete(request.user, slot)
    return _json(answers.deleted(slot))


def limits(api: NamedDependency[Api]) -> Response[bytes]:
    return _json(api.published)


def api_handlers(docs: Operations) -> list[HTTPRouteHandler]:
    """The handlers of ``/api/resume/``, documented by ``docs``; new ones for every app."""
    return [
        get(IMAGES, **docs.current)(current_images),
        post(
            IMAGES,
            status_code=HTTP_200_OK,
            dependencies={"form": Provide(upload_form)},
            guards=[rate_limit],
            opt={"action": "upload"},
            **docs.upload,
        )(upload_images),
        patch(
            IMAGES,
            status_code=HTTP_200_OK,
            dependencies={"descriptions": Provide(read_descriptions)},
            guards=[rate_limit],
            opt={"action": "describe"},
            sync_to_thread=True,
            **docs.describe,
        )(describe_images),
        delete(
            IMAGES,
            status_code=HTTP_200_OK,
            guards=[rate_limit],
            opt={"action": "delete"},
            sync_to_thread=True,
            **docs.delete,
        )(delete_image),
        get(IMAGES + "/limits", sync_to_thread=False, **docs.limits)(limits),
    ]


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """For load balancers: the process answers. (Touches neither storage nor database.)"""
    return {"status": "ok"}
