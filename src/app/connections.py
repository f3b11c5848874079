"""The limits `imagecore serve` holds its connections to, and the count of those open.

Connections are counted per client address, an IPv6 /64 counting as one, as they open and
close: admitting one costs the same with a thousand open as with none. At the cap in all, a
newcomer takes the place of a connection of the address holding the most, so that many
addresses each holding their share cannot keep a new visitor out.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from imagecore.app.parsers import Network
from imagecore.app.settings import Settings

if TYPE_CHECKING:
    from imagecore.app.protocol import GuardedProtocol


@attrs.frozen
class ConnectionLimits:
    """What one connection may send, and how many connections there may be (per worker)."""

    #: The request line and every header together.
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    #: From the connection's first moment, or a request's first byte, to the end of its headers.
    header_seconds: float = 10.0
    #: The longest pause in a request body, when the app is ready to read it.
    body_seconds: float = 30.0
    #: The longest a request body may take in all, however steadily it trickles.
    body_total_seconds: float = 300.0
    #: How long the rest of a body answered before it was read (a 401, a 413, a 503) may still
    #: come: then the connection is closed. A client that sends it in time keeps its connection.
    drain_seconds: float = 2.0
    max_connections: int = 1000
    max_connections_per_address: int = 64
    #: Reverse proxies carry many clients' requests: they are held to ``max_connections`` only.
    trusted_proxies: tuple[Network, ...] = ()


def connection_limits(settings: Settings) -> ConnectionLimits:
    """The connection limits the settings name."""
    return ConnectionLimits(
        max_header_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
        header_seconds=settings.header_timeout,
        body_seconds=settings.body_timeout,
        body_total_seconds=settings.body_total_timeout,
        max_connections=settings.max_connections,
        max_connections_per_address=settings.max_connections_per_address,
        trusted_proxies=settings.trusted_proxies,
    )


@attrs.define
class OpenConnections:
    """The open connections of one server process, by address group: counted as they come and
    go, so that a connection's admission costs the same with a thousand open as with none."""

    by_address: dict[str, set[GuardedProtocol]] = attrs.field(factory=dict)
    #: When each address over its cap was last told why, for a second.
    told: dict[str, float] = attrs.field(factory=dict)

    def tell(self, group: str, now: float) -> bool:
        """Whether a refusal of ``group`` at ``now`` should say why: once a second at most."""
        if len(self.told) > 10_000:
            self.told = {g: t for g, t in self.told.items() if now - t < 1}
        if now - self.told.get(group, -1.0) < 1:
            return False
        self.told[group] = now
        return True

    def add(self, group: str, protocol: GuardedProtocol) -> int:
        """Count ``protocol`` under ``group``; how many that group now holds."""
        held = self.by_address.setdefault(group, set())
        held.add(protocol)
        return len(held)

    def remove(self, group: str, protocol: GuardedProtocol) -> None:
        held = self.by_address.get(group)
        if held is not None:
            held.discard(protocol)
            if not held:
                del self.by_address[group]

    def evictable(self, newcomer: str) -> GuardedProtocol | None:
        """A connection that may make room for one from ``newcomer``: a waiting one (before or
        between requests) of the group holding the most that has one, if that group holds more
        than ``newcomer``'s."""
        count = len(self.by_address.get(newcomer, ()))
        for held in sorted(self.by_address.values(), key=len, reverse=True):
            if len(held) <= count:
                return None
            for protocol in held:
                if protocol.waiting and not protocol.transport.is_closing():
                    return protocol
        return None


def trusted(host: str, proxies: tuple[Network, ...]) -> bool:
    """Whether ``host`` is one of the reverse proxies named."""
    if not proxies:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in proxies)
