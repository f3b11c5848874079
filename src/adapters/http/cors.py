"""OPTIONS and cross-origin calls: each route names every method it takes, and the pages of the
configured origins may call the API.

Litestar 2 answers OPTIONS with the methods of the first handler registered on a path only
(litestar-org/litestar#4169: ``GET, OPTIONS`` where GET, POST and DELETE are taken; ``GET,
OPTIONS`` for its static files, which also take HEAD), and its CORS middleware answers every
OPTIONS that carries an Origin itself, on any path, without ``Allow``, refusing in text/plain.
So an :class:`OptionsRouter` gives its paths OPTIONS handlers of their own, which on the API
answer CORS preflights too, and a before-send hook puts the CORS headers on every other answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from litestar import Request, Response, Router, route
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler, Message, Scope


@attrs.frozen
class CrossOrigin:
    """The origins whose pages may call the API, and what a preflight allows them to send."""

    origins: frozenset[str]
    headers: tuple[str, ...] = ("Authorization", "Content-Type")
    #: Seconds a browser may keep a preflight's answer.
    max_age: int = 600

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin in self.origins

    async def before_send(self, message: Message, scope: Scope) -> None:
        """A before-send hook: ``Access-Control-Allow-Origin`` for an allowed origin, and
        ``Vary: Origin`` on every answer, since each depends on the Origin (shared caches).

        Async, as Litestar runs a synchronous hook in a worker thread, for every message."""
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        vary = headers.get("vary")
        if vary is None:
            headers["Vary"] = "Origin"
        elif "origin" not in vary.lower():
            headers["Vary"] = f"{vary}, Origin"
        origin = _origin(scope)
        if origin is not None and self.allows(origin):
            headers["Access-Control-Allow-Origin"] = origin


def _origin(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"origin":
            return str(value.decode("latin-1"))
    return None


class OptionsRouter(Router):
    """A Router whose paths answer OPTIONS with every method they take; on the API, with the
    CORS preflight headers for the pages of ``cross_origin``'s origins."""

    def __init__(
        self,
        path: str,
        *,
        route_handlers: Sequence[ControllerRouterHandler],
        cross_origin: CrossOrigin | None = None,
        **options: Any,
    ) -> None:
        super().__init__(path, route_handlers=with_options(route_handlers, cross_origin), **options)


def with_options(
    handlers: Sequence[ControllerRouterHandler], cross_origin: CrossOrigin | None
) -> list[ControllerRouterHandler]:
    """``handlers``, after an OPTIONS handler for each path of theirs that has none.

    First, so that Litestar makes none of its own for the path: the first handler registered on
    a path decides which OPTIONS handler it keeps.
    """
    taken: dict[str, set[str]] = {}
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler):
            for path in handler.paths:
                taken.setdefault(path, set()).update(handler.http_methods)
    return [
        *(
            options_handler(path, methods, cross_origin)
            for path, methods in taken.items()
            if HttpMethod.OPTIONS not in methods
        ),
        *handlers,
    ]


def options_handler(
    path: str, methods: Iterable[str], cross_origin: CrossOrigin | None
) -> HTTPRouteHandler:
    """OPTIONS on ``path``: 204 with ``Allow`` naming ``methods`` and OPTIONS. A preflight from
    an allowed origin also gets the CORS headers; from any other, ``Allow`` alone, which the
    browser takes as a refusal."""
    allow = ", ".join(sorted({*methods, HttpMethod.OPTIONS.value}))

    def options(request: Request[Any, Any, Any]) -> Response[None]:
        headers = {"Allow": allow}
        origin = request.headers.get("origin")
        preflight = "access-control-request-method" in request.headers
        if cross_origin is not None and preflight and cross_origin.allows(origin):
            headers |= {
                "Access-Control-Allow-Methods": allow,
                "Access-Control-Allow-Headers": ", ".join(cross_origin.headers),
                "Access-Control-Max-Age": str(cross_origin.max_age),
            }
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers=headers)

    return route(
        path, http_method=[HttpMethod.OPTIONS], include_in_schema=False, sync_to_thread=False
    )(options)
