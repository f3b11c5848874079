"""The per-address connection counts of `imagecore serve`, and who makes room at the cap."""

from __future__ import annotations

from typing import Any, cast

import attrs

from imagecore.app.connections import OpenConnections
from imagecore.app.protocol import GuardedProtocol


@attrs.define(eq=False)
class Connection:
    """A stand-in for a connection: waiting for a request, or busy with one."""

    waiting: bool
    closing: bool = False

    @property
    def transport(self) -> Any:
        return self

    def is_closing(self) -> bool:
        return self.closing


def opened(counts: OpenConnections, group: str, *connections: Connection) -> None:
    for connection in connections:
        counts.add(group, cast(GuardedProtocol, connection))


def test_room_is_made_by_the_busiest_group_with_a_waiting_connection() -> None:
    """The busiest address's connections are all mid-request: the next busiest gives one of its
    waiting ones, never the newcomer's own address nor one smaller than it."""
    counts = OpenConnections()
    opened(counts, "a", *(Connection(waiting=False) for _ in range(5)))
    waiting = Connection(waiting=True)
    opened(counts, "b", Connection(waiting=False), waiting, Connection(waiting=True, closing=True))
    opened(counts, "c", Connection(waiting=True))
    assert counts.evictable("new") is waiting
    assert counts.evictable("b") is None  # "a" holds more, but none of it waits
    opened(counts, "new", *(Connection(waiting=True) for _ in range(3)))
    assert counts.evictable("new") is None  # "b" holds no more than the newcomer's address


def test_a_group_is_forgotten_with_its_last_connection() -> None:
    counts = OpenConnections()
    first, second = Connection(waiting=True), Connection(waiting=True)
    opened(counts, "a", first, second)
    counts.remove("a", cast(GuardedProtocol, first))
    assert len(counts.by_address["a"]) == 1
    counts.remove("a", cast(GuardedProtocol, second))
    assert counts.by_address == {}


def test_an_address_over_its_cap_is_told_why_once_a_second() -> None:
    counts = OpenConnections()
    assert counts.tell("a", 100.0)
    assert not counts.tell("a", 100.5)
    assert counts.tell("b", 100.5)
    assert counts.tell("a", 101.0)
