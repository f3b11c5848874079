"""The rate rules (:mod:`imagecore.adapters.web.rates`) as a Litestar guard, checked before the
body is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from imagecore.adapters.web.rates import (
    RateRules,
    client_address,
    counted_address,
    warn_if_proxied_unknowingly,
)

#: Where the guard leaves the call that takes a request's counts back.
REFUND = "imagecore_rate_refund"


def peer_of(scope: Mapping[str, Any]) -> str | None:
    client = scope.get("client")
    return None if client is None else str(client[0])


def forwarded_for(scope: Mapping[str, Any]) -> list[str]:
    """The request's X-Forwarded-For header values."""
    return [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]


def request_address(scope: Mapping[str, Any], rules: RateRules | None) -> str:
    """The address group a request is counted under."""
    return counted_address(peer_of(scope), forwarded_for(scope), rules)


async def rate_limit(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A guard: counts the handler's action (its ``opt["action"]``) and refuses it when over."""
    rules: RateRules | None = connection.app.state.get("rate_rules")
    if rules is None:
        return
    peer = peer_of(connection.scope)
    warn_if_proxied_unknowingly(peer, rules.trusted_proxies)
    address = client_address(peer, forwarded_for(connection.scope), rules.trusted_proxies)
    # The counter lives in the database: off the event loop, like every other database call.
    refund = await sync_to_thread(rules.check, handler.opt["action"], str(connection.user), address)
    connection.state[REFUND] = refund
