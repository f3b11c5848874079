"""The API guide's routes on Litestar, and the media files they point at.

Handlers translate HTTP to a call on :class:`imagecore.ImageSlots` and back. The core, its storage
and its codec are synchronous, so handlers run in a worker thread, except reads from repositories
quick enough that the hop would cost more than the read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import attrs
import msgspec
from imagecore.adapters.http.auth import BearerAuthMiddleware, TokenPolicy
from imagecore.adapters.http.errors import ErrorBody, exception_handlers
from imagecore.adapters.http.forms import UploadOperation, read_image_form
from imagecore.adapters.http.limits import RateRules, rate_limit
from imagecore.adapters.http.pages import SWAGGER_ASSETS, page_routes
from litestar import Litestar, Request, Response, Router, delete, get, post, route
from litestar.concurrency import sync_to_thread
from litestar.config.cors import CORSConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, Example, Operation, Schema, SecurityScheme
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from imagecore import DEFAULTS_FOLDER, ImageSlots, Shown, Slot, UnknownSlot, UserImages

API_PATH = "/api/resume"
MEDIA_PATH = "/media"


@attrs.frozen
class HttpConfig:
    """What the HTTP adapter needs besides the core service."""

    tokens: TokenPolicy
    #: Base URL of the media files: ``/media/`` when this app serves them, or a CDN's URL.
    media_url: str = "/media/"
    max_upload_bytes: int = 10 * 1024 * 1024
    title: str = "imagecore"
    version: str = "0"
    #: Rate limits on uploads and deletes; None for none.
    rate_rules: RateRules | None = None
    #: What GET .../limits/ publishes, so clients can check a file before they send it.
    published_limits: Mapping[str, Any] = attrs.field(factory=dict)
    #: Origins allowed to call the API from a browser; none by default.
    cors_origins: tuple[str, ...] = ()
    #: Read a user's images on the event loop: for repositories that answer in microseconds
    #: (memory, local SQLite), where a hop to a worker thread would cost more than the read.
    reads_inline: bool = False


@attrs.frozen
class MediaUrls:
    base: str

    def of(self, shown: Shown) -> str | None:
        return None if shown is None else self.base.rstrip("/") + "/" + shown.key


class ImageUrls(msgspec.Struct):
    profile_image: str | None
    cover_image: str | None


class ImagesBody(msgspec.Struct):
    images: ImageUrls


class UploadBody(msgspec.Struct, omit_defaults=True):
    message: str
    profile_image: str | None = None
    cover_image: str | None = None


class MessageBody(msgspec.Struct):
    message: str


@dataclass
class DeleteOperation(Operation):
    """DELETE's operation: ``type`` is required. The handler reads it as optional only so that
    a missing one gets the same message as an unknown one."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or []:
            if isinstance(parameter, OpenAPIParameter) and parameter.name == "type":
                parameter.required = True
                parameter.schema = Schema(
                    type=OpenAPIType.STRING, enum=[slot.value for slot in Slot]
                )


def _ok(container: Any, example: dict[str, Any]) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=container,
            description="Request fulfilled",
            examples=[Example(value=example)],
            generate_examples=False,
        )
    }


def _errors(*statuses: tuple[int, str, str]) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=description,
            examples=[Example(value={"error": example})],
            generate_examples=False,
        )
        for status, description, example in statuses
    }


_UNAUTHORIZED = (
    401,
    "Missing, invalid or expired bearer token",
    "The token has expired; sign in again.",
)
_SERVER = (500, "Server error", "Internal server error.")
_TOO_MANY = (
    429,
    "Over a rate limit; Retry-After says when to try again",
    "Too many uploads: the limit is 20 per hour. Try again in 21 minutes.",
)
_CONFLICT = (
    409,
    "Another request changed the images at the same time",
    "The images were changed by another request at the same time; please try again.",
)
_UNAVAILABLE = (
    503,
    "Storage or database unavailable",
    "Image storage is unavailable; please try again later.",
)


@get(
    "/user-images",
    summary="Get the user's current images",
    description="The profile image (the default one when none was uploaded) and the cover image "
    "(null when none was uploaded).",
    responses=_ok(
        ImagesBody,
        {
            "images": {
                "profile_image": "/media/resume/images/profile_123_5f0c2a9d1b7e4c36.jpg",
                "cover_image": "/media/resume/covers/cover_123_81d04e6b2f9a7c15.jpg",
            }
        },
    )
    | _errors(_UNAUTHORIZED, _SERVER, _UNAVAILABLE),
)
async def current_images(
    request: Request[str, Any, Any],
    slots: NamedDependency[ImageSlots],
    urls: NamedDependency[MediaUrls],
    reads_inline: NamedDependency[bool],
) -> ImagesBody:
    if reads_inline:
        images = slots.current(request.user)
    else:
        images = await sync_to_thread(slots.current, request.user)
    return ImagesBody(_urls(images, urls))


@post(
    "/user-images",
    status_code=HTTP_200_OK,
    summary="Upload a profile image, a cover image, or both",
    description="Each uploaded image replaces the one in its slot. With both fields, both are "
    "replaced or neither is.",
    responses=_ok(
        UploadBody,
        {
            "message": "Profile image uploaded successfully",
            "profile_image": "/media/resume/images/profile_123_5f0c2a9d1b7e4c36.jpg",
        },
    )
    | _errors(
        (
            400,
            "Not an image, a refused image type, or no image field",
            "The file is not an image. Accepted types: JPEG, PNG, GIF, WebP.",
        ),
        _UNAUTHORIZED,
        _TOO_MANY,
        _CONFLICT,
        (
            413,
            "The request body is over the upload limit",
            "The upload is too large: the limit is 10 MB (10,485,760 bytes).",
        ),
        _SERVER,
        _UNAVAILABLE,
    ),
    dependencies={"form": Provide(read_image_form)},
    guards=[rate_limit],
    opt={"action": "upload"},
    operation_class=UploadOperation,
    sync_to_thread=True,
)
def upload_images(
    request: Request[str, Any, Any],
    slots: NamedDependency[ImageSlots],
    urls: NamedDependency[MediaUrls],
    form: NamedDependency[dict[Slot, bytes]],
) -> UploadBody:
    images = slots.upload(request.user, form)
    labels = [slot.label for slot in Slot if slot in form]
    message = " and ".join([labels[0], *(label.lower() for label in labels[1:])])
    return UploadBody(
        message=f"{message} uploaded successfully",
        **{slot.value: urls.of(images.get(slot)) for slot in form},
    )


@delete(
    "/user-images",
    status_code=HTTP_200_OK,
    operation_class=DeleteOperation,
    guards=[rate_limit],
    opt={"action": "delete"},
    summary="Delete the profile image or the cover image",
    description="Removes the image from its slot and its file from storage.",
    responses=_ok(MessageBody, {"message": "Profile image deleted successfully"})
    | _errors(
        (
            400,
            "The type parameter is missing or unknown",
            "The image type must be 'profile_image' or 'cover_image' (got 'avatar').",
        ),
        _UNAUTHORIZED,
        _TOO_MANY,
        (
            404,
            "The slot holds no image",
            "Profile image not found: there is no profile image to delete.",
        ),
        _CONFLICT,
        _SERVER,
        _UNAVAILABLE,
    ),
    sync_to_thread=True,
)
def delete_image(
    request: Request[str, Any, Any],
    slots: NamedDependency[ImageSlots],
    slot_name: Annotated[
        str | None,
        QueryParameter(
            name="type",
            description="Which image to delete.",
            examples=[Example(value="profile_image"), Example(value="cover_image")],
        ),
    ] = None,
) -> MessageBody:
    given = request.query_params.getall("type", [])
    if len(given) > 1:
        raise UnknownSlot(", ".join(given))
    slot = Slot.parse(slot_name)
    slots.delete(request.user, slot)
    return MessageBody(f"{slot.label} deleted successfully")


@get(
    "/user-images/limits",
    summary="The limits in force",
    description="Byte and pixel limits, accepted formats, each slot's box and the rate limits, "
    "so that a client can check a file before it sends it. (Not part of the API guide.)",
    responses=_ok(
        dict[str, Any], {"max_upload_bytes": 10485760, "formats": ["JPEG", "PNG", "GIF", "WebP"]}
    )
    | _errors(_UNAUTHORIZED, _SERVER),
    sync_to_thread=False,
)
def limits(published: NamedDependency[dict[str, Any]]) -> dict[str, Any]:
    return published


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """For load balancers: the process answers. (Touches neither storage nor database.)"""
    return {"status": "ok"}


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
) -> Response[bytes]:
    file = slots.media(key.lstrip("/"))
    etag = '"' + hashlib.blake2b(file.data, digest_size=16).hexdigest() + '"'
    # Uploaded names change on every upload, so their bytes never change; a default may.
    cache = (
        "public, max-age=86400"
        if file.key.startswith(DEFAULTS_FOLDER)
        else "public, max-age=31536000, immutable"
    )
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        "Cross-Origin-Resource-Policy": cross_origin,
    }
    wanted = _etags(request.headers.get("if-none-match"))
    if etag in wanted or "*" in wanted:
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(file.data, media_type=file.media_type, headers=headers)


def _urls(images: UserImages, urls: MediaUrls) -> ImageUrls:
    return ImageUrls(
        profile_image=urls.of(images.shown(Slot.PROFILE)),
        cover_image=urls.of(images.shown(Slot.COVER)),
    )


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def create_app(slots: ImageSlots, config: HttpConfig, **litestar_options: Any) -> Litestar:
    """The HTTP API over ``slots``: the guide's routes in ``/api/resume/``, media in ``/media/``."""
    api = Router(
        API_PATH,
        route_handlers=[current_images, upload_images, delete_image, limits],
        middleware=[DefineMiddleware(BearerAuthMiddleware, policy=config.tokens)],
        cache_control=CacheControlHeader(no_store=True),
        security=[{"bearer": []}],
        tags=["user images"],
    )
    media_router = Router(MEDIA_PATH, route_handlers=[media])
    pages = page_routes(config.media_url)
    urls = MediaUrls(config.media_url)
    published = dict(config.published_limits)
    # Images embedded by the other origins allowed to call the API must load there too.
    cross_origin = "cross-origin" if config.cors_origins else "same-site"
    return Litestar(
        route_handlers=[api, media_router, health, *pages],
        dependencies={
            "slots": Provide(lambda: slots, use_cache=True, sync_to_thread=False),
            "urls": Provide(lambda: urls, use_cache=True, sync_to_thread=False),
            "published": Provide(lambda: published, use_cache=True, sync_to_thread=False),
            "cross_origin": Provide(lambda: cross_origin, use_cache=True, sync_to_thread=False),
            "reads_inline": Provide(
                lambda: config.reads_inline, use_cache=True, sync_to_thread=False
            ),
        },
        state=State({"rate_rules": config.rate_rules}),
        cors_config=(
            CORSConfig(
                allow_origins=list(config.cors_origins),
                allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
            if config.cors_origins
            else None
        ),
        exception_handlers=exception_handlers(config.max_upload_bytes),
        request_max_body_size=config.max_upload_bytes,
        # Logging belongs to the process (the CLI, or the host app embedding this one).
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title=config.title,
            version=config.version,
            description="A user's profile and cover images.",
            path="/schema",
            # Served from this app, so that the docs work offline and load nothing from a CDN.
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
                    path="/",
                    favicon="",
                )
            ],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="An access token: `Authorization: Bearer <token>`.",
                    )
                }
            ),
        ),
        **litestar_options,
    )
