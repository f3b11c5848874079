"""The media route: the web layer's media answer (:mod:`imagecore.adapters.web.media`), sent
by Litestar; a file larger than its first chunk is streamed as the rest is read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from litestar import Request, Response, Router, route
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.params import FromPath
from litestar.response import Stream

from imagecore import ImageSlots
from imagecore.adapters.web.media import MEDIA_PATH, media_answer

__all__ = ["MEDIA_PATH", "media_router"]


@route(
    "/{key:path}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    include_in_schema=False,
    sync_to_thread=True,
)
def media(
    request: Request[Any, Any, Any],
    key: FromPath[str],
    slots: NamedDependency[ImageSlots],
    cross_origin: NamedDependency[bool],
) -> Response[Any]:
    answer = media_answer(
        slots,
        key,
        request.headers.get("if-none-match"),
        head=request.method == HttpMethod.HEAD,
        cross_origin=cross_origin,
    )
    if answer.rest is None:
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.media_type,
            headers=answer.headers,
        )
    return Stream(
        _rest(answer.body, answer.rest, answer.close),
        media_type=answer.media_type,
        headers=answer.headers,
    )


async def _rest(
    first: bytes, chunks: Iterator[bytes], close: Callable[[], None]
) -> AsyncIterator[bytes]:
    try:
        yield first
        while chunk := await sync_to_thread(next, chunks, b""):
            yield chunk
    finally:
        close()  # also when the client leaves part-way


def media_router(*, cross_origin: bool) -> Router:
    """``/media/<key>``. With ``cross_origin``, pages of other origins may embed the images."""
    return Router(
        MEDIA_PATH,
        route_handlers=[media],
        dependencies={
            "cross_origin": Provide(lambda: cross_origin, use_cache=True, sync_to_thread=False)
        },
    )
