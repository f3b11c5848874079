"""The API's documentation under ``/schema``: Swagger UI and the OpenAPI document.

Litestar's Swagger page embeds the document in an inline script and its misses under ``/schema``
answer an HTML page of their own. Here the page is this app's: its script and style files come
from ``/docs-assets`` on this origin, it fetches the document from ``/schema/openapi.json``, and
the one inline script that starts it (and the one inline style) are allowed by their hashes, so
that the Content-Security-Policy allows nothing else. Every answer under ``/schema``, error or
not, carries that policy and ``nosniff``; a miss is the API's ``{"error": ...}``.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

from litestar import Request, Router
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from imagecore.adapters.http.pages import SWAGGER_ASSETS

DOCS_PATH = "/schema"

#: The page's only script of its own: it starts Swagger UI on the document the page names.
START = (
    "const root = document.getElementById('swagger-ui');\n"
    "window.ui = SwaggerUIBundle({\n"
    "  url: root.dataset.document,\n"
    "  domNode: root,\n"
    "  deepLinking: true,\n"
    "  showExtensions: true,\n"
    "  showCommonExtensions: true,\n"
    "  presets: [SwaggerUIBundle.presets.apis],\n"
    "});\n"
)
STYLE = "body { margin: 0; padding: 0 }"


def _hash(source: str) -> str:
    """A CSP source that allows the inline script or style ``source``, byte for byte."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


#: What the page needs and no more: files, the document and the API from this origin, the
#: ``data:`` images of Swagger UI's stylesheet, and the two inline blocks above.
DOCS_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' {_hash(START)}",
        f"style-src 'self' {_hash(STYLE)}",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_HEADERS = {
    "Content-Security-Policy": DOCS_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema``, from the files this app serves at ``assets``."""

    def __init__(self, assets: str) -> None:
        super().__init__(path="/", favicon="", style="")
        self.assets = assets

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        document = html.escape(self.get_openapi_json_route(request))
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n'
            "<head>\n"
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n"
            f'<link rel="icon" type="image/png" href="{self.assets}/favicon-32x32.png">\n'
            f'<link rel="stylesheet" href="{self.assets}/swagger-ui.css">\n'
            f"<style>{STYLE}</style>\n"
            "</head>\n"
            "<body>\n"
            f'<div id="swagger-ui" data-document="{document}"></div>\n'
            f'<script src="{self.assets}/swagger-ui-bundle.js"></script>\n'
            f"<script>{START}</script>\n"
            "</body>\n"
            "</html>\n"
        ).encode()


def refuse_unknown(request: Request[Any, Any, Any]) -> None:
    """A miss under ``/schema`` is a 404 in the API's shape.

    Litestar answers the paths it does not document with a handler on ``/{path:str}`` of its
    own, with an HTML page; the pages it serves have no path parameters.
    """
    if request.path_params:
        raise NotFoundException()


def docs_headers(path: str = DOCS_PATH) -> BeforeMessageSendHookHandler:
    """A before-send hook: :data:`DOCS_HEADERS` on every answer under ``path``, errors and
    answers of the router itself (404, 405, OPTIONS) included. (Async: Litestar runs a
    synchronous hook in a worker thread, for every message of every answer.)"""
    below = path.rstrip("/") + "/"

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        where = scope.get("path", "")
        if where == path or where.startswith(below):
            headers = MutableScopeHeaders.from_message(message)
            for name, value in DOCS_HEADERS.items():
                headers[name] = value

    return add_headers


def openapi_config(title: str, version: str) -> OpenAPIConfig:
    """The document at ``/schema/openapi.json``, and Swagger UI at ``/schema``."""
    return OpenAPIConfig(
        title=title,
        version=version,
        description="A user's profile and cover images.",
        path=DOCS_PATH,
        # Served from this app, so that the docs work offline and load nothing from a CDN.
        render_plugins=[SwaggerPage(SWAGGER_ASSETS)],
        openapi_router=Router(
            DOCS_PATH,
            route_handlers=[],
            include_in_schema=False,
            dto=None,
            return_dto=None,
            before_request=refuse_unknown,
        ),
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
    )
