"""Work done for a caller who may leave: the caller holds an event, long work watches it.

The event travels in a context variable, so that the core's signatures (and every codec's) stay
as they are: a codec that can stop part-way looks for :func:`current` and stops once it is set.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

_event: ContextVar[threading.Event | None] = ContextVar("imagecore_cancel", default=None)


@contextlib.contextmanager
def cancelled_by(event: threading.Event) -> Iterator[None]:
    """Work inside this block, in this thread or context, may stop once ``event`` is set; it
    then raises :class:`~imagecore.errors.Abandoned`."""
    token = _event.set(event)
    try:
        yield
    finally:
        _event.reset(token)


def current() -> threading.Event | None:
    """The event of the innermost :func:`cancelled_by` around the caller, if any."""
    return _event.get()
