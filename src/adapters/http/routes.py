"""The API guide's routes: each handler turns a request into a call on the core, and back.

The core, its storage and its codec are synchronous, so handlers run in a worker thread, except
reads, through the app's reader (PostgreSQL's async driver; on the event loop where the
repository answers at once, as memory and SQLite do; else a thread), and uploads, which run on
threads of their own once a decode slot is theirs (see :mod:`decoding`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import attrs
from litestar import Request, delete, get, patch, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Example
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK

from imagecore import ImageRepository, ImageSlots, Slot, UserImages
from imagecore.adapters.http.bodies import (
    DescribedBody,
    ImagesBody,
    LimitsBody,
    MediaUrls,
    MessageBody,
    UploadBody,
)
from imagecore.adapters.http.body_budget import BodyBudget
from imagecore.adapters.http.decoding import UploadGate
from imagecore.adapters.http.forms import UploadForm, read_descriptions, read_image_form
from imagecore.adapters.http.limits import rate_limit, request_address
from imagecore.adapters.http.openapi import Operations
from imagecore.adapters.web import guide_wording
from imagecore.errors import UnknownSlot
from imagecore.ports import AsyncImageReader

API_PATH = "/api/resume"
IMAGES = "/user-images"


@attrs.frozen
class Api:
    """What the handlers work with, as one dependency: Litestar resolves several at once in a
    task group of their own, which cost a GET a fifth of its time."""

    slots: ImageSlots
    urls: MediaUrls
    gate: UploadGate
    published: LimitsBody
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


async def current_images(request: Request[str, Any, Any], api: NamedDependency[Api]) -> ImagesBody:
    images = await api.reader.get(request.user)
    shown = api.slots.shown(images)
    return ImagesBody(api.urls.images(shown), api.urls.details(shown))


async def upload_form(
    request: Request[str, Any, Any], api: NamedDependency[Api]
) -> AsyncIterator[UploadForm]:
    """The upload's form, its bytes held in the body budget until the upload is answered."""
    address = request_address(request.scope, request.app.state.get("rate_rules"))
    with api.bodies.account(address) as account:
        account.need(_declared_length(request, api.slots.limits.max_bytes))
        yield await read_image_form(request, account)


def _declared_length(request: Request[str, Any, Any], most: int) -> int:
    """The body's Content-Length; 0 without one, or over ``most``: that body is answered 413
    as soon as it is read, and must not be answered 503 first."""
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:
        return 0
    return declared if 0 < declared <= most else 0


async def upload_images(
    request: Request[str, Any, Any],
    api: NamedDependency[Api],
    form: NamedDependency[UploadForm],
) -> UploadBody:
    def upload() -> UserImages:
        return api.slots.upload(request.user, form.files, form.descriptions, form.crops)

    images = await api.gate.run(request, upload, request.user)
    return UploadBody(
        message=guide_wording.uploaded(form.files),
        details=api.urls.details(api.slots.shown(images)),
        **{slot.value: api.urls.of(images.get(slot)) for slot in form.files},
    )


def describe_images(
    request: Request[str, Any, Any],
    api: NamedDependency[Api],
    descriptions: NamedDependency[dict[Slot, str]],
) -> DescribedBody:
    images = api.slots.describe(request.user, descriptions)
    return DescribedBody(
        guide_wording.described(descriptions), api.urls.details(api.slots.shown(images))
    )


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
) -> MessageBody:
    given = request.query_params.getall("type", [])
    if len(given) > 1:
        raise UnknownSlot(", ".join(given))
    slot = Slot.parse(slot_name)
    api.slots.delete(request.user, slot)
    return MessageBody(guide_wording.deleted(slot))


def limits(api: NamedDependency[Api]) -> LimitsBody:
    return api.published


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
