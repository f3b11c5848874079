"""The Starlette routes as a FastAPI router, so that the API shows in FastAPI's ``/docs``: each
of the guide's operations with its summary, its request body and its answers. FastAPI validates
nothing here: each endpoint reads its request itself, as the web layer's rules say."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from imagecore import Slot
from imagecore.adapters.starlette.routes import ALL_METHODS
from imagecore.adapters.web.guide_wording import crop_field, description_field

if TYPE_CHECKING:
    from imagecore.adapters.starlette.routes import ImageRoutes

_ERROR = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}},
                "required": ["error"],
            }
        }
    }
}


def _answers(ok: str, *errors: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    common = [(401, "Nobody is signed in"), (503, "Busy, or a backend is down: retry later")]
    return {
        200: {"description": ok},
        **{status: {"description": what, **_ERROR} for status, what in [*errors, *common]},
    }


_TEXT_FIELDS = {
    **{description_field(slot): {"type": "string"} for slot in Slot},
    **{crop_field(slot): {"type": "string", "example": "0,0,400,400"} for slot in Slot},
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **{slot.value: {"type": "string", "format": "binary"} for slot in Slot},
                        **_TEXT_FIELDS,
                    },
                }
            }
        },
    }
}
_DESCRIBE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {description_field(slot): {"type": "string"} for slot in Slot},
                    "additionalProperties": False,
                }
            }
        },
    }
}
_DELETE_TYPE = {
    "parameters": [
        {
            "name": "type",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "enum": [slot.value for slot in Slot]},
        }
    ]
}


def api_router(images: ImageRoutes) -> APIRouter:
    """The guide's routes and the media route, documented; include it in a FastAPI app with
    ``app.include_router(images.api_router())``."""
    router = APIRouter(tags=["user images"])
    operations: list[tuple[str, str, dict[str, Any], dict[int | str, dict[str, Any]]]] = [
        ("GET", "The current profile and cover images", {}, _answers("The images")),
        (
            "POST",
            "Upload a profile image, a cover image, or both",
            _UPLOAD_BODY,
            _answers(
                "Uploaded",
                (400, "Not an image we take"),
                (413, "Too large"),
                (429, "Over a rate limit"),
            ),
        ),
        (
            "PATCH",
            "Change the descriptions of the uploaded images",
            _DESCRIBE_BODY,
            _answers(
                "Described",
                (400, "Not descriptions"),
                (404, "No image"),
                (429, "Over a rate limit"),
            ),
        ),
        (
            "DELETE",
            "Delete the profile image or the cover image",
            _DELETE_TYPE,
            _answers(
                "Deleted", (400, "No such type"), (404, "No image"), (429, "Over a rate limit")
            ),
        ),
    ]
    guide_path, bare_path = images.paths("/user-images")
    for method, summary, extra, responses in operations:
        router.add_api_route(
            guide_path,
            images.user_images,
            methods=[method],
            summary=summary,
            responses=responses,
            openapi_extra=extra or None,
        )
    # The path without its slash, and the methods the guide has not, answered as the routes do.
    router.add_api_route(guide_path, images.user_images, methods=_OTHERS, include_in_schema=False)
    router.add_api_route(bare_path, images.user_images, methods=_ALL, include_in_schema=False)
    limits, bare_limits = images.paths("/user-images/limits")
    router.add_api_route(limits, images.limits, methods=["GET"], summary="The limits in force")
    router.add_api_route(limits, images.limits, methods=_NOT_GET, include_in_schema=False)
    router.add_api_route(bare_limits, images.limits, methods=_ALL, include_in_schema=False)
    if images.media_path is not None:
        media = images.media_path + "/{key:path}"
        router.add_api_route(media, images.media, methods=_ALL, include_in_schema=False)
    return router


_OTHERS = [m for m in ALL_METHODS if m not in ("GET", "POST", "PATCH", "DELETE")]
_ALL = list(ALL_METHODS)
_NOT_GET = [m for m in ALL_METHODS if m != "GET"]
