"""uvicorn's HTTP/1.1 protocol (httptools), guarded, so that a server without a reverse proxy in
front cannot be held by one client: headers are capped in size and count (431), a connection
that does not finish its headers, or stalls in its body, is closed (408), one answered before
its body was read is closed soon after, and connections are capped per client address (an IPv6
/64 counting as one) and in all (503). At the cap in all, a newcomer takes the place of a
connection of the address holding the most, so that many addresses each holding their share
cannot keep a new visitor out.

uvicorn itself limits none of this: with httptools there is no cap on a header's size and no
timer until the first request is complete.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from imagecore.adapters.web import edge_wording
from imagecore.adapters.web.rates import address_group
from imagecore.app.connections import ConnectionLimits, OpenConnections, trusted


class GuardedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with :class:`ConnectionLimits` enforced."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits: ConnectionLimits = getattr(config, "connection_limits", ConnectionLimits())
        self.open: OpenConnections = getattr(config, "open_connections", OpenConnections())
        self._group: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        #: "head" until a request's headers are complete, "body" until its body is, "idle"
        #: between requests (uvicorn's keep-alive timer then runs).
        self._phase = "head"
        self._head_bytes = 0
        self._head_count = 0
        self._tail = b""  # the last bytes seen in the head, to find its end across reads
        self._body_deadline = 0.0
        self._refusal: tuple[int, str] | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) else ""
        # Reverse proxies carry many clients' connections: neither capped nor evicted.
        group = None if trusted(host, self.limits.trusted_proxies) else address_group(host)
        if group is not None and len(self.open.by_address.get(group, ())) >= (
            self.limits.max_connections_per_address
        ):
            # Refused before uvicorn sets the connection up. An address told why in the last
            # second is not told again: a storm of reconnections costs a close each.
            self._refused = True
            if self.open.tell(group, self.loop.time()):
                transport.write(
                    _answer(
                        503, edge_wording.too_many_connections(), self.server_state.default_headers
                    )
                )
                transport.close()
            else:
                transport.abort()
            return
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            evicted = None if group is None else self.open.evictable(group)
            if evicted is None:
                self._respond(503, edge_wording.too_many_connections())
                return
            evicted._respond(503, edge_wording.too_many_connections())
        if group is not None:
            self._group = group
            self.open.add(group, self)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return  # never set up
        self._disarm()
        if self._group is not None:
            self.open.remove(self._group, self)
        super().connection_lost(exc)

    @property
    def waiting(self) -> bool:
        """Whether it waits for a request's head, no request of it being answered."""
        return self._phase in ("head", "idle") and (
            self.cycle is None or self.cycle.response_complete
        )

    def data_received(self, data: bytes) -> None:
        if self._phase == "idle":
            # The next request's first byte (a blank line counts): its headers are timed from
            # here, however slowly the rest comes.
            self._start_head()
        if self._phase == "head":
            # Counted here, before the parser: httptools reports a header only once it ends,
            # so a header that never ends would otherwise never be counted.
            window = self._tail + data
            end = window.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = window[-3:]
            if self._head_bytes > self.limits.max_header_bytes:
                self._respond(431, edge_wording.headers_too_large(self.limits.max_header_bytes))
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._phase != "head":  # a request pipelined behind another, in the same read
            self._start_head()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        if self._head_count > self.limits.max_headers:
            self._refusal = (431, edge_wording.too_many_headers(self.limits.max_headers))
            raise _OverLimit()  # stops the parser; uvicorn then calls send_400_response
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        self._phase = "body"
        self._body_deadline = self.loop.time() + self.limits.body_total_seconds
        super().on_headers_complete()
        if len(self.pipeline) > MAX_PIPELINED:
            # Requests queued faster than answered, without end: stop the parser (or it would
            # queue the rest of this read too) and close, writing nothing into a response.
            self._refusal = None
            self.transport.close()
            raise _OverLimit()
        self._arm_body()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        if self._phase == "body":
            self._arm_body()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Only when the request answered is the one still arriving (not a later one pipelined).
        answered = self.cycle is not None and self.cycle.response_complete
        if self._phase == "body" and answered and not self.transport.is_closing():
            # Answered before its body was read: the rest is read and dropped for a moment, so
            # that a client still sending can read the answer, then the connection is closed.
            self._phase = "drain"
            self._arm(self.limits.drain_seconds, self.transport.close)

    def on_message_complete(self) -> None:
        drained = self._phase == "drain"
        self._disarm()
        self._phase = "idle"
        super().on_message_complete()
        if drained and not self.transport.is_closing():
            # Its answer is long sent, and the body's bytes cancelled uvicorn's keep-alive
            # timer: the connection waits for its next request as after any other.
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def send_400_response(self, msg: str) -> None:
        if self.transport.is_closing():
            return  # closed on purpose, mid-parse
        if self._refusal is not None:
            self._respond(*self._refusal)
        else:
            super().send_400_response(msg)

    def _start_head(self) -> None:
        self._phase = "head"
        self._head_bytes = self._head_count = 0
        self._tail = b""
        self._arm(self.limits.header_seconds, self._head_timed_out)

    def _arm_body(self) -> None:
        left = self._body_deadline - self.loop.time()
        self._arm(max(0.0, min(self.limits.body_seconds, left)), self._body_stalled)

    def _head_timed_out(self) -> None:
        self._timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            # The app is still answering the request before: the next may wait for it.
            self._arm(self.limits.header_seconds, self._head_timed_out)
            return
        self._respond(408, edge_wording.headers_timed_out(self.limits.header_seconds))

    def _body_stalled(self) -> None:
        self._timer = None
        if self.flow.read_paused and self.loop.time() < self._body_deadline:
            # The app has not read what came; the client is not the one stalling.
            self._arm_body()
            return
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()
        elif self.loop.time() >= self._body_deadline:
            self._respond(408, edge_wording.body_too_slow(self.limits.body_total_seconds))
        else:
            self._respond(408, edge_wording.body_timed_out(self.limits.body_seconds))

    def _respond(self, status: int, message: str) -> None:
        """An ``{"error"}`` answer with ``status``, then the connection closed."""
        self._disarm()
        if self.transport.is_closing():
            return
        self.transport.write(_answer(status, message, self.server_state.default_headers))
        self.transport.close()

    def _arm(self, seconds: float, then: Callable[[], None]) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, then)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


#: Requests a client may queue on one connection before their answers: more, and it is closed.
MAX_PIPELINED = 16


class _OverLimit(Exception):
    """Raised in a parser callback to stop the parser at once."""


def _answer(status: int, message: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """An ``{"error"}`` answer with ``status`` and the server's own ``headers``, closing."""
    body = json.dumps({"error": message}).encode()
    reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}.get(
        status, b"Service Unavailable"
    )
    head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
    head += [name + b": " + value + b"\r\n" for name, value in headers]
    head += [
        b"content-type: application/json\r\n",
        b"content-length: %d\r\n" % len(body),
        b"cache-control: no-store\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join(head) + body
