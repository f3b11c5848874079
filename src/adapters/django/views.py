"""The guide's views and the media view, over the web layer's blocking operations: each request
holds its worker's thread anyway, and an upload waits there, in turn, for a decode slot."""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from imagecore.adapters.django.apps import service
from imagecore.adapters.django.auth import caller
from imagecore.adapters.django.conf import setting
from imagecore.adapters.web import answers
from imagecore.adapters.web.errors import (
    IMAGES_METHODS,
    LIMITS_METHODS,
    MEDIA_METHODS,
    answer_to,
    logged,
    not_allowed,
)
from imagecore.adapters.web.forms import MAX_DESCRIPTIONS_BODY
from imagecore.adapters.web.media import MediaAnswer, media_answer
from imagecore.decode_limit import once

log = logging.getLogger("imagecore.http")

_JSON = "application/json"
_METHODS = ("DELETE", "GET", "PATCH", "POST")


# Bearer tokens need no CSRF check; a session's requests are checked in auth. The images'
# writes commit as they go, as the unit of work needs (a replaced file is removed only once its
# successor is committed): never inside a request's transaction (ATOMIC_REQUESTS).
@csrf_exempt
@transaction.non_atomic_requests(using=setting("DATABASE"))
def user_images(request: HttpRequest) -> HttpResponse:
    """GET, POST, PATCH and DELETE of the guide's one path."""
    if request.method not in _METHODS:
        return _other_method(request, IMAGES_METHODS)
    try:
        asking = caller(request)
        api = service().api
        if request.method == "GET":
            body = api.current(asking)
        elif request.method == "POST":
            if _parsed_already(request):
                body = api.upload_parsed(
                    asking, request.META.get("CONTENT_LENGTH"), _parsed_parts(request)
                )
            else:
                body = api.upload(
                    asking,
                    request.META.get("CONTENT_TYPE", ""),
                    request.META.get("CONTENT_LENGTH"),
                    _body_reader(request),
                )
        elif request.method == "PATCH":
            body = api.describe(asking, _body_reader(request)(MAX_DESCRIPTIONS_BODY + 1))
        else:
            body = api.delete(asking, request.GET.getlist("type"))
    except Exception as error:
        return _refused(request, error)
    return _json(body)


@csrf_exempt
def limits(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _other_method(request, LIMITS_METHODS)
    try:
        caller(request)
        return _json(service().api.published)
    except Exception as error:
        return _refused(request, error)


def media(request: HttpRequest, key: str) -> HttpResponse | StreamingHttpResponse:
    """A file the answers' URLs point at, with its validators and cache headers."""
    if request.method not in ("GET", "HEAD"):
        return _other_method(request, MEDIA_METHODS, api=False)
    try:
        answer = media_answer(
            service().slots,
            key,
            request.headers.get("If-None-Match"),
            head=request.method == "HEAD",
            cross_origin=False,
        )
    except Exception as error:
        return _refused(request, error)
    return _sent(answer)


def _sent(answer: MediaAnswer) -> HttpResponse | StreamingHttpResponse:
    response: HttpResponse | StreamingHttpResponse
    if answer.rest is None:
        response = HttpResponse(answer.body, status=answer.status)
    else:
        response = StreamingHttpResponse(_Streamed(answer), status=answer.status)
    if answer.media_type is None:
        del response["Content-Type"]
    else:
        response["Content-Type"] = answer.media_type
    for name, value in answer.headers.items():
        response[name] = value
    return response


class _Streamed:
    """A file's chunks; Django closes it when the response is done with, whether or not it was
    sent (the client may leave first)."""

    def __init__(self, answer: MediaAnswer) -> None:
        self._chunks = itertools.chain([answer.body], answer.rest or ())
        self.close = once(answer.close)

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


def _body_reader(request: HttpRequest) -> Callable[[int], bytes]:
    """How the body is read: Django's stream, which holds to the Content-Length, or, for a body
    sent without one (chunked), the server's own stream where it says the body ends there."""
    stream = request
    if not request.META.get("CONTENT_LENGTH") and request.META.get("wsgi.input_terminated"):
        stream = request.META["wsgi.input"]
    return cast(Callable[[int], bytes], stream.read)


def _parsed_already(request: HttpRequest) -> bool:
    """Whether something (a CSRF check reading a POST's token) has parsed the body already: its
    stream is spent, and its parts are in ``request.FILES`` and ``request.POST``."""
    return bool(getattr(request, "_read_started", False))


def _parsed_parts(request: HttpRequest) -> Iterator[tuple[str, str | None, bytes]]:
    for name, files in request.FILES.lists():
        for file in files:
            yield name, file.name or "", file.read()
    for name, values in request.POST.lists():
        for value in values:
            yield name, None, value.encode()


def _json(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type=_JSON)
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, error: Exception) -> HttpResponse:
    answer = answer_to(error)
    if logged(error):
        log.error("%s %s failed: %s", request.method, request.path, error, exc_info=error)
    _drain(request)
    return _answer(answer.status, dict(answer.body), answer.headers)


def _drain(request: HttpRequest) -> None:
    """Reads what is left of a refused request's body (one an upload may be, and a little): a
    WSGI server closes a connection whose last body was left unread, and the client's next
    request on it would fail. (An app cannot say ``Connection: close`` through WSGI.)"""
    try:
        most = service().slots.limits.max_bytes + _CHUNK
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except Exception:
        return
    if not declared or declared > most:
        return
    with contextlib.suppress(Exception):
        while request.read(_CHUNK):
            pass


_CHUNK = 64 * 1024


def _other_method(
    request: HttpRequest, allowed: tuple[str, ...], *, api: bool = True
) -> HttpResponse:
    """OPTIONS: what the path answers; any other method the path does not take: 405."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        del response["Content-Type"]
        response["Allow"] = ", ".join(allowed)
        if api:
            response["Cache-Control"] = "no-store"
        return response
    answer = not_allowed(str(request.method), allowed)
    return _answer(answer.status, dict(answer.body), answer.headers)


def _answer(status: int, body: dict[str, Any], headers: Any) -> HttpResponse:
    response = HttpResponse(answers.encode(body), status=status, content_type=_JSON)
    for name, value in headers.items():
        response[name] = value
    return response
