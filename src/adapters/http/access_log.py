"""One log line per request: method, path, status, duration and user; never a token or a query."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("imagecore.access")


class AccessLog:
    """Wraps the whole ASGI app, so that requests no route matched are logged too.

    The query string is left out: the API's own (``type``) says little, and a client that put a
    token there by mistake must not find it in the logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            user: Any = scope.get("user")
            log.info(
                "%s %s %d %.1fms user=%s",
                scope.get("method", "-"),
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                user if isinstance(user, str) else "-",
            )
