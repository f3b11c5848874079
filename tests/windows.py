"""Rate limits count in fixed windows (10:00 to 11:00): counts made across a window's edge split
between two windows, and a test expecting a refusal sees none. A test that counts against a limit
on the wall clock first waits, when it must, for a window that has time left."""

from __future__ import annotations

import time
from collections.abc import Sequence

MINUTE, HOUR, DAY = 60, 3600, 86400


def within_rate_windows(needed: float, windows: Sequence[int] = (MINUTE, HOUR, DAY)) -> None:
    """Return once each of ``windows`` (lengths in seconds) has at least ``needed`` seconds
    left, sleeping into the next window where the current one has less."""
    for seconds in sorted(windows, reverse=True):
        left = seconds - time.time() % seconds
        if left < needed:
            time.sleep(left + 0.05)
