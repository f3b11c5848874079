"""The guide's routes and the media route as Starlette endpoints over the web layer's
:class:`~imagecore.adapters.web.api.GuideApi`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

import attrs
from starlette.background import BackgroundTask
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from imagecore import ImageSlots
from imagecore.adapters.web import answers
from imagecore.adapters.web.answers import DecodeBudget, Urls
from imagecore.adapters.web.api import GuideApi
from imagecore.adapters.web.body_budget import BodyBudget
from imagecore.adapters.web.errors import (
    IMAGES_METHODS,
    LIMITS_METHODS,
    MEDIA_METHODS,
    ClientGone,
    NotSignedIn,
    answer_to,
    logged,
    not_allowed,
)
from imagecore.adapters.web.media import MEDIA_PATH, media_answer
from imagecore.adapters.web.rates import RateRules
from imagecore.adapters.web.signed_in import Caller, SignedIn
from imagecore.decode_limit import once
from imagecore.ports import AsyncImageReader

if TYPE_CHECKING:
    from fastapi import APIRouter

log = logging.getLogger("imagecore.http")

#: The host's authentication: the user id of the request, or None for nobody signed in; or a
#: SignedIn, which may carry the user's display name (for initials on a default avatar).
Identity = Callable[[Request], Awaitable[str | SignedIn | None]]

#: The guide's paths under the API's prefix.
IMAGES = "/user-images"
LIMITS = IMAGES + "/limits"
_JSON = "application/json"
_API_HEADERS = {"Cache-Control": "no-store"}
_METHODS = ("GET", "POST", "PATCH", "DELETE")
#: Every method a route of the guide's path answers, the guide's and the others, refused.
ALL_METHODS = (*_METHODS, "PUT", "HEAD", "OPTIONS", "TRACE", "CONNECT")


@attrs.frozen
class ImageRoutes:
    """The guide's API as Starlette routes, and their lifespan."""

    api: GuideApi
    identity: Identity
    #: Where the guide's paths are: ``/api/resume`` as the guide has it.
    prefix: str = "/api/resume"
    #: Where the media route is; None for none (a CDN or the storage's own URLs serve them).
    media_path: str | None = MEDIA_PATH
    #: Whether pages of other origins may embed the images.
    cross_origin: bool = False

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes to add to the host's app (``Starlette(routes=[*images.routes, ...])``)."""
        routes: list[BaseRoute] = []
        for path in self.paths(IMAGES):
            # Every method, so that one the guide has not is refused in the API's own words.
            routes.append(Route(path, self.user_images, methods=ALL_METHODS))
        for path in self.paths(LIMITS):
            routes.append(Route(path, self.limits, methods=ALL_METHODS))
        if self.media_path is not None:
            media = self.media_path + "/{key:path}"
            routes.append(Route(media, self.media, methods=ALL_METHODS))
        return routes

    def lifespan(self, app: object = None) -> contextlib.AbstractAsyncContextManager[None]:
        """What the routes do when the host starts and stops; enter it in the host's lifespan
        (Starlette runs no lifespan of routes or mounted apps)."""
        return self.api.running()

    def api_router(self) -> APIRouter:
        """The same routes as a FastAPI router, documented in its ``/docs``."""
        from imagecore.adapters.starlette.fastapi import api_router

        return api_router(self)

    def paths(self, path: str) -> tuple[str, str]:
        """The guide's form (a trailing slash) and the one without."""
        return self.prefix + path + "/", self.prefix + path

    async def user_images(self, request: Request) -> Response:
        """GET, POST, PATCH and DELETE of the guide's one path."""
        if request.method not in _METHODS:
            return _other_method(request, IMAGES_METHODS, _API_HEADERS)
        try:
            caller = await self._caller(request)
            api = self.api
            if request.method == "GET":
                body = await api.current_async(caller)
            elif request.method == "POST":
                body = await api.upload_async(
                    caller,
                    request.headers.get("content-type", ""),
                    request.headers.get("content-length"),
                    _chunks(request),
                    lambda: _disconnected(request),
                )
            elif request.method == "PATCH":
                body = await api.describe_async(caller, _chunks(request))
            else:
                body = await api.delete_async(caller, request.query_params.getlist("type"))
        except Exception as error:
            return _refused(request, error)
        return Response(body, media_type=_JSON, headers=_API_HEADERS)

    async def limits(self, request: Request) -> Response:
        if request.method != "GET":
            return _other_method(request, LIMITS_METHODS, _API_HEADERS)
        try:
            await self._caller(request)
        except Exception as error:
            return _refused(request, error)
        return Response(self.api.published, media_type=_JSON, headers=_API_HEADERS)

    async def media(self, request: Request) -> Response:
        """A file the answers' URLs point at, with its validators and cache headers."""
        if request.method not in ("GET", "HEAD"):
            return _other_method(request, MEDIA_METHODS, {})
        try:
            answer = await run_in_threadpool(
                media_answer,
                self.api.slots,
                request.path_params["key"],
                request.headers.get("if-none-match"),
                head=request.method == "HEAD",
                cross_origin=self.cross_origin,
            )
        except Exception as error:
            return _refused(request, error)
        if answer.rest is None:
            return _sent(answer.body, answer.status, answer.headers, answer.media_type)
        close = once(answer.close)
        return StreamingResponse(
            _rest(answer.body, answer.rest, close),
            headers=answer.headers,
            media_type=answer.media_type,
            # Also when the stream never starts (the client left first).
            background=BackgroundTask(close),
        )

    async def _caller(self, request: Request) -> Caller:
        user = await self.identity(request)
        if user is None:
            raise NotSignedIn()
        signed_in = user if isinstance(user, SignedIn) else SignedIn(str(user))
        client = request.client
        return Caller(
            signed_in.user_id,
            None if client is None else client.host,
            request.headers.getlist("x-forwarded-for"),
            display_name=signed_in.display_name,
        )


def image_routes(
    slots: ImageSlots,
    identity: Identity,
    *,
    prefix: str = "/api/resume",
    media_path: str | None = MEDIA_PATH,
    media_url: str = MEDIA_PATH + "/",
    defaults_url: str | None = None,
    url_of: Callable[[str], str] | None = None,
    rate_rules: RateRules | None = None,
    bodies: BodyBudget | None = None,
    reader: AsyncImageReader | None = None,
    decode_wait: float = 10.0,
    decode_budget: DecodeBudget | None = None,
    cross_origin: bool = False,
) -> ImageRoutes:
    """The guide's routes over ``slots``, for a Starlette or FastAPI app.

    Uploads' URLs are ``url_of(key)`` if given (a CDN's, the storage's own), else under
    ``media_url``; the default images' under ``defaults_url`` (else ``media_url``), which the
    media route serves.
    """
    urls = Urls.under(media_url, defaults_url)
    if url_of is not None:
        urls = attrs.evolve(urls, stored=url_of)
    api = GuideApi.over(
        slots,
        urls,
        rate_rules=rate_rules,
        bodies=bodies,
        reader=reader,
        decode_wait=decode_wait,
        decode_budget=decode_budget,
    )
    return ImageRoutes(api, identity, prefix, media_path, cross_origin)


def _sent(body: bytes, status: int, headers: dict[str, str], media_type: str | None) -> Response:
    response = Response(body, status_code=status, headers=headers, media_type=media_type)
    if "Content-Length" in headers:  # HEAD: the file's length, not the empty body's
        response.headers["content-length"] = headers["Content-Length"]
    return response


def _refused(request: Request, error: Exception) -> Response:
    answer = answer_to(error)
    if logged(error):
        log.error("%s %s failed: %s", request.method, request.url.path, error, exc_info=error)
    return Response(
        answers.encode(dict(answer.body)),
        status_code=answer.status,
        headers=dict(answer.headers),
        media_type=_JSON,
    )


def _other_method(request: Request, allowed: tuple[str, ...], headers: dict[str, str]) -> Response:
    """OPTIONS: what the path answers; any other method the path does not take: 405."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={**headers, "Allow": ", ".join(allowed)})
    answer = not_allowed(request.method, allowed)
    return Response(
        answers.encode(dict(answer.body)),
        status_code=answer.status,
        headers=dict(answer.headers),
        media_type=_JSON,
    )


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise ClientGone() from None


async def _disconnected(request: Request) -> None:
    """Returns once the client has gone: the body has been read, so the next message the server
    has for this request is its disconnect."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _rest(
    first: bytes, chunks: Iterator[bytes], close: Callable[[], None]
) -> AsyncIterator[bytes]:
    try:
        yield first
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        close()  # also when the client leaves part-way
