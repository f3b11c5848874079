"""What the three commands share: the service, and a progress line."""

from __future__ import annotations

import sys
from collections.abc import Callable

from imagecore.adapters.django.apps import service
from imagecore.housekeeping import Housekeeping


def housekeeping() -> Housekeeping:
    return Housekeeping(service().slots)


def progress(verb: str) -> Callable[[int, int], None]:
    """A line on stderr that counts up, on a terminal only."""

    def show(done: int, of: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done == of else ""
            print(f"\r{verb} {done}/{of}", end=end, file=sys.stderr, flush=True)

    return show
