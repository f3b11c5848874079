"""The page at ``/`` (static HTML, CSS and the guide's JavaScript client), the moderators' page
at ``/moderation``, and the docs' assets."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from litestar import MediaType, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from openapi_ui_bundles import swagger_ui

from imagecore.adapters.http.cors import OptionsRouter

STATIC = Path(str(files("imagecore.adapters.http") / "static"))
SWAGGER_ASSETS = "/docs-assets"


def page_policy(*media_urls: str) -> str:
    """The page's Content-Security-Policy: its own scripts and styles only, nothing inline, and
    images from this origin and the origins of ``media_urls``."""
    images = ["'self'", "blob:"]  # blob: for the preview of a file being uploaded
    for url in media_urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme and parts.netloc and origin not in images:
            images.append(origin)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def page_routes(*media_urls: str) -> list[Router]:
    """``/`` and ``/static/...`` for the page, ``/docs-assets/...`` for the API docs; the page
    may show images from ``media_urls``."""
    index = (STATIC / "index.html").read_bytes()
    moderation = (STATIC / "moderation.html").read_bytes()
    headers = {
        "Content-Security-Policy": page_policy(*media_urls),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    @get("/", include_in_schema=False, sync_to_thread=False)
    def page() -> Response[bytes]:
        return Response(index, media_type=MediaType.HTML, headers=headers)

    # The page is static and public, as the user's is: what it shows comes from the API, which
    # answers moderators only.
    @get("/moderation", include_in_schema=False, sync_to_thread=False)
    def moderation_page() -> Response[bytes]:
        return Response(moderation, media_type=MediaType.HTML, headers=headers)

    def with_headers(response: Response[Any]) -> Response[Any]:
        for name, value in headers.items():
            response.headers[name] = value
        return response

    return [
        Router("/", route_handlers=[page, moderation_page]),
        create_static_files_router(
            "/static",
            directories=[STATIC],
            after_request=with_headers,
            router_class=OptionsRouter,
        ),
        create_static_files_router(
            SWAGGER_ASSETS,
            directories=[swagger_ui.static_path],
            cache_control=CacheControlHeader(public=True, max_age=86400),
            router_class=OptionsRouter,
        ),
    ]
