"""Every error leaves the API as ``{"error": "<a sentence>"}``: the status, body and headers each
of the core's errors is answered with, for any web framework to send."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus

import attrs

from imagecore import BackendError, ConcurrentUpdate, ImageCoreError, MediaNotFound, RequestError
from imagecore.adapters.web import edge_wording, wording
from imagecore.errors import Abandoned, Busy, RateLimited, SlotEmpty
from imagecore.moderation_errors import AlreadyReported, ImageReplaced, NoOpenReports

#: The core's errors and the status each one answers with; the most specific class wins.
STATUS_OF: Mapping[type[ImageCoreError], int] = {
    RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    SlotEmpty: HTTPStatus.NOT_FOUND,
    NoOpenReports: HTTPStatus.NOT_FOUND,
    AlreadyReported: HTTPStatus.CONFLICT,
    ImageReplaced: HTTPStatus.CONFLICT,
    MediaNotFound: HTTPStatus.NOT_FOUND,
    RequestError: HTTPStatus.BAD_REQUEST,
    ConcurrentUpdate: HTTPStatus.CONFLICT,
    BackendError: HTTPStatus.SERVICE_UNAVAILABLE,
    Busy: HTTPStatus.SERVICE_UNAVAILABLE,
    Abandoned: HTTPStatus.SERVICE_UNAVAILABLE,
}
#: What logs call a request whose client left before its body was complete, as nginx does.
CLIENT_CLOSED_REQUEST = 499


class FormError(Exception):
    """The body is not a form we can read (answered 400); the message says why, in a sentence."""


class BodyTooLarge(Exception):
    """The body is larger than an upload may be (answered 413)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(edge_wording.upload_too_large(max_bytes))


class NotSignedIn(Exception):
    """The host says nobody is signed in (answered 401)."""

    def __init__(self, reason: str = edge_wording.NOT_SIGNED_IN) -> None:
        super().__init__(reason)


class Forbidden(Exception):
    """Signed in, but the request may not be made so (answered 403): a session's request
    without its CSRF token, say."""


class ClientGone(Exception):
    """The client closed the connection before its body was complete: its fault, not ours, and
    nobody is left to read an answer."""


#: Sent with every error: an answer about one request is never a cache's to keep.
NO_STORE = {"Cache-Control": "no-store"}
#: Sent with a 401, as RFC 6750 asks of a bearer-token API.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="imagecore"'}


@attrs.frozen
class ErrorAnswer:
    """What a refusal is answered with: its status, the JSON body, and the headers."""

    status: int
    body: Mapping[str, str]
    headers: Mapping[str, str]


def logged(error: BaseException) -> bool:
    """Whether answering ``error`` is the server's failure, for its log: a 500, or a 503 from a
    backend (not one that asks the client to wait its turn)."""
    status = answer_to(error).status
    return status >= HTTPStatus.INTERNAL_SERVER_ERROR and not isinstance(error, Busy | Abandoned)


def status_of(error: ImageCoreError) -> int:
    """The status ``error`` is answered with: 500 for an error no row of the table covers."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return int(STATUS_OF[kind])
    return int(HTTPStatus.INTERNAL_SERVER_ERROR)


def answer_to(error: BaseException) -> ErrorAnswer:
    """The whole answer to ``error``: a wait it asks of the client is its ``Retry-After``; an
    error of no kind known here is a 500 (which the binding logs)."""
    if isinstance(error, FormError):
        return refusal(HTTPStatus.BAD_REQUEST, str(error))
    if isinstance(error, BodyTooLarge):
        return refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(error))
    if isinstance(error, NotSignedIn):
        return refusal(HTTPStatus.UNAUTHORIZED, str(error))
    if isinstance(error, Forbidden):
        return refusal(HTTPStatus.FORBIDDEN, str(error))
    if isinstance(error, ClientGone):
        return refusal(CLIENT_CLOSED_REQUEST, edge_wording.CLIENT_GONE)
    if not isinstance(error, ImageCoreError):
        return refusal(HTTPStatus.INTERNAL_SERVER_ERROR, edge_wording.INTERNAL_ERROR)
    retry_after = error.retry_after if isinstance(error, RateLimited | Busy) else None
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return refusal(status_of(error), wording.sentence(error), headers)


#: The methods each of the API's paths answers, as every binding lists them in Allow.
IMAGES_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST")
LIMITS_METHODS = ("GET", "OPTIONS")
MEDIA_METHODS = ("GET", "HEAD", "OPTIONS")


def not_allowed(method: str, allowed: Iterable[str]) -> ErrorAnswer:
    """The 405 to ``method`` on a path that answers ``allowed``: the list, sorted, said and in
    ``Allow``."""
    listed = ", ".join(sorted({m.strip().upper() for m in allowed if m.strip()}))
    sentence = edge_wording.method_not_allowed(method, listed)
    return refusal(HTTPStatus.METHOD_NOT_ALLOWED, sentence, {"Allow": listed})


def refusal(status: int, sentence: str, headers: Mapping[str, str] | None = None) -> ErrorAnswer:
    """``sentence`` answered with ``status``; a 401 carries the bearer challenge."""
    challenge = BEARER_CHALLENGE if status == HTTPStatus.UNAUTHORIZED else {}
    return ErrorAnswer(status, {"error": sentence}, {**(headers or {}), **challenge, **NO_STORE})
