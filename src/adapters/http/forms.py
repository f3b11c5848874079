"""A request's body, as Litestar streams it, read by the web layer's rules
(:mod:`imagecore.adapters.web.forms`): the upload form, and a PATCH's descriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException

from imagecore.adapters.web.body_budget import BodyAccount
from imagecore.adapters.web.errors import ClientGone, FormError
from imagecore.adapters.web.forms import (
    MAX_DESCRIPTIONS_BODY,
    Patch,
    UploadForm,
    descriptions_too_large,
    patch_from_json,
    read_upload,
)


async def read_image_form(request: Request[Any, Any, Any], account: BodyAccount) -> UploadForm:
    """The upload's form, every byte held in ``account`` before it is kept."""
    return await read_upload(request.headers.get("content-type", ""), _chunks(request), account)


async def read_descriptions(request: Request[Any, Any, Any]) -> Patch:
    """The descriptions and focal points a PATCH sends; a larger body than they can be is
    refused at its first byte too many."""
    raw = bytearray()
    async for chunk in _chunks(request):
        raw += chunk
        if len(raw) > MAX_DESCRIPTIONS_BODY:
            raise descriptions_too_large()
    return patch_from_json(bytes(raw))


async def read_bounded(request: Request[Any, Any, Any], limit: int) -> bytes:
    """A small body (a moderation request's JSON, a hash list), refused at its first byte
    beyond ``limit``."""
    raw = bytearray()
    async for chunk in _chunks(request):
        raw += chunk
        if len(raw) > limit:
            raise FormError(f"The body is larger than {limit:,} bytes.")
    return bytes(raw)


async def _chunks(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except InternalServerException:
        # The only one a request stream raises: the client disconnected mid-body.
        raise ClientGone() from None
