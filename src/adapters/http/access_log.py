"""One log line per request: method, path, status, duration and user; never a token or a query."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("imagecore.access")


def escaped(field: str) -> str:
    """``field`` as one unambiguous word of a log line.

    The path and the user come from the client (``%0A`` in a path, a newline in a token's
    ``sub``): every character that :meth:`str.isprintable` refuses (controls, lone surrogates,
    line separators, invisible formatting), the space that separates the fields and the
    backslash that starts an escape are written as ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``,
    so a field can neither end the line nor pass for another field.
    """
    if field.isprintable() and " " not in field and "\\" not in field:
        return field
    return "".join(_escape(char) for char in field)


def _escape(char: str) -> str:
    if char.isprintable() and char not in " \\":
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class AccessLog:
    """Wraps the whole ASGI app, so that requests no route matched are logged too.

    The query string is left out: the API's own (``type``) says little, and a client that put a
    token there by mistake must not find it in the logs. Each field is :func:`escaped`.
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
                escaped(str(scope.get("method", "-"))),
                escaped(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
                _user_field(user),
            )


def _user_field(user: Any) -> str:
    """The user, or ``-`` for none; a user whose id is ``-`` is written ``\\x2d``."""
    if not isinstance(user, str):
        return "-"
    return "\\x2d" if user == "-" else escaped(user)
