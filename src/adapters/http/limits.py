"""Rate limits on uploads and deletes, per user and per client address, checked before the body."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from imagecore.throttle import Limit, Throttle

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@attrs.frozen
class RateRules:
    """Which limit applies to which action, and which proxies may name the client's address."""

    throttle: Throttle
    per_user: Mapping[str, Limit | None] = attrs.field(factory=dict)
    per_address: Mapping[str, Limit | None] = attrs.field(factory=dict)
    trusted_proxies: Sequence[Network] = ()

    def check(self, action: str, user: str, address: str) -> None:
        self.throttle.check(
            action,
            [
                (f"user:{user}", self.per_user.get(action)),
                (f"address:{address}", self.per_address.get(action)),
            ],
        )


def client_address(scope: Mapping[str, Any], trusted: Sequence[Network]) -> str:
    """The address of the client: the peer, unless the peer is a trusted proxy.

    Behind trusted proxies, the nearest address in X-Forwarded-For that is not itself a trusted
    proxy. Without trusted proxies the header is ignored: anyone can write it.
    """
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return str(peer)
    forwarded: list[str] = []
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-forwarded-for":
            forwarded += [part.strip() for part in value.decode("latin-1").split(",")]
    for address in reversed(forwarded):
        if not _is_trusted(address, trusted):
            return address
    return str(peer)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


async def rate_limit(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A guard: counts the handler's action (its ``opt["action"]``) and refuses it when over."""
    rules: RateRules | None = connection.app.state.get("rate_rules")
    if rules is None:
        return
    address = client_address(connection.scope, rules.trusted_proxies)
    # The counter lives in the database: off the event loop, like every other database call.
    await sync_to_thread(rules.check, handler.opt["action"], str(connection.user), address)
