"""The media answer: the files the API's URLs point at, with validators and cache headers.

An upload's bytes never change (each upload gets a new name), so browsers may keep it for a year,
and its ETag comes from its name: a request naming it gets 304 without storage being read. A
default image may change with a release, so it is kept for a day, its ETag from its bytes.

A file is streamed from storage a chunk at a time, never held whole: one that fits in its first
chunk (an avatar, a variant) is answered at once, a larger one as the rest is read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from http import HTTPStatus

import attrs

from imagecore import ImageSlots, MediaFile

MEDIA_PATH = "/media"
FOREVER = "public, max-age=31536000, immutable"
A_DAY = "public, max-age=86400"


@attrs.frozen
class MediaAnswer:
    """What a request for a media file is answered: 200 or 304, the headers, and the bytes: the
    first chunk in ``body``, and, for a file larger than one, the others in ``rest``, read as
    they are sent (``close`` gives the file back, also when the client leaves part-way)."""

    status: int
    headers: dict[str, str]
    media_type: str | None = None
    body: bytes = b""
    rest: Iterator[bytes] | None = None
    close: Callable[[], None] = lambda: None


def media_answer(
    slots: ImageSlots, key: str, if_none_match: str | None, *, head: bool, cross_origin: bool
) -> MediaAnswer:
    """The answer to GET (or HEAD) of the media file at ``key``; blocking (storage is read).
    With ``cross_origin``, pages of other origins may embed the file. Raises MediaNotFound."""
    key = key.lstrip("/")
    wanted = _etags(if_none_match)
    policy = "cross-origin" if cross_origin else "same-site"
    if slots.is_upload(key):
        etag = _tag(key.encode())
        headers = _headers(etag, FOREVER, policy)
        if etag in wanted:  # answered from the name alone: storage is not read
            return _not_modified(headers)
        file = slots.media(key)
        if "*" in wanted:  # any version at all: now that it is known to exist
            file.stream.close()
            return _not_modified(headers)
        return _sent(file, headers, head=head)
    file = slots.media(key)  # a default: the core's own small file, or an avatar it draws
    data = file.read()
    etag = _tag(data)
    headers = _headers(etag, FOREVER if file.immutable else A_DAY, policy)
    if etag in wanted or "*" in wanted:
        return _not_modified(headers)
    headers["Content-Length"] = str(len(data))
    return MediaAnswer(HTTPStatus.OK, headers, file.media_type, b"" if head else data)


def _not_modified(headers: dict[str, str]) -> MediaAnswer:
    return MediaAnswer(HTTPStatus.NOT_MODIFIED, headers)


def _sent(file: MediaFile, headers: dict[str, str], *, head: bool) -> MediaAnswer:
    """The file's answer: its first chunk read here, the rest, if any, left to be read as it is
    sent."""
    headers["Content-Length"] = str(file.stream.size)
    chunks = iter(file.stream.chunks)
    first = b"" if head else next(chunks, b"")
    if head or len(first) == file.stream.size:
        file.stream.close()
        return MediaAnswer(HTTPStatus.OK, headers, file.media_type, first)
    return MediaAnswer(HTTPStatus.OK, headers, file.media_type, first, chunks, file.stream.close)


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
