"""The media route: the files the API's URLs point at, with validators and cache headers.

An upload's bytes never change (each upload gets a new name), so browsers may keep it for a year,
and its ETag comes from its name: a request naming it gets 304 without storage being read. A
default image may change with a release, so it is kept for a day, its ETag from its bytes.

A file is streamed from storage a chunk at a time, never held whole: one that fits in its first
chunk (an avatar, a variant) is answered at once, a larger one as the rest is read.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from litestar import Request, Response, Router, route
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.params import FromPath
from litestar.response import Stream
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from imagecore import ImageSlots, MediaFile

MEDIA_PATH = "/media"
FOREVER = "public, max-age=31536000, immutable"
A_DAY = "public, max-age=86400"


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
    cross_origin: NamedDependency[str],
) -> Response[Any]:
    key = key.lstrip("/")
    wanted = _etags(request.headers.get("if-none-match"))
    if slots.is_upload(key):
        etag = _tag(key.encode())
        headers = _headers(etag, FOREVER, cross_origin)
        if etag in wanted:  # answered from the name alone: storage is not read
            return _not_modified(headers)
        file = slots.media(key)
        if "*" in wanted:  # any version at all: now that it is known to exist
            file.stream.close()
            return _not_modified(headers)
        return _sent(file, headers, head=request.method == HttpMethod.HEAD)
    file = slots.media(key)  # a default: the core's own small file
    data = file.read()
    etag = _tag(data)
    headers = _headers(etag, A_DAY, cross_origin)
    if etag in wanted or "*" in wanted:
        return _not_modified(headers)
    return Response(data, media_type=file.media_type, headers=headers)


def _not_modified(headers: dict[str, str]) -> Response[bytes]:
    return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)


def _sent(file: MediaFile, headers: dict[str, str], *, head: bool) -> Response[Any]:
    """The file's response: its first chunk read here (on the handler's thread), the rest, if
    any, streamed as it is read."""
    headers["Content-Length"] = str(file.stream.size)
    chunks = iter(file.stream.chunks)
    first = b"" if head else next(chunks, b"")
    if head or len(first) == file.stream.size:
        file.stream.close()
        return Response(first, media_type=file.media_type, headers=headers)
    return Stream(
        _rest(first, chunks, file.stream.close), media_type=file.media_type, headers=headers
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


def _tag(basis: bytes) -> str:
    return '"' + hashlib.blake2b(basis, digest_size=16).hexdigest() + '"'


def _headers(etag: str, cache: str, cross_origin: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        "Cross-Origin-Resource-Policy": cross_origin,
    }


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def media_router(*, cross_origin: bool) -> Router:
    """``/media/<key>``. With ``cross_origin``, pages of other origins may embed the images."""
    policy = "cross-origin" if cross_origin else "same-site"
    return Router(
        MEDIA_PATH,
        route_handlers=[media],
        dependencies={
            "cross_origin": Provide(lambda: policy, use_cache=True, sync_to_thread=False)
        },
    )
