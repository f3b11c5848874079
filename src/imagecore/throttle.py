"""Rate limits: how many uploads or deletes a user, or an address, may make in a while."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence

import attrs

from imagecore.errors import RateLimited
from imagecore.ports import RateCounter


@attrs.frozen
class Limit:
    """At most ``count`` events every ``seconds`` (fixed windows)."""

    count: int = attrs.field(validator=attrs.validators.gt(0))
    seconds: int = attrs.field(validator=attrs.validators.gt(0))


@attrs.frozen
class Throttle:
    """Counts each event in a shared counter and refuses the ones over their limit.

    Windows are fixed (the hour from 10:00 to 11:00, say): one counter row per subject and window,
    so that every worker and every machine sharing the counter agrees.
    """

    counter: RateCounter

    def check(
        self,
        action: str,
        limits: Sequence[tuple[str, Limit | None]],
        now: float | None = None,
    ) -> Callable[[], None]:
        """Count one ``action`` against each (subject, limit); if that makes too many for any,
        take every count back and raise RateLimited: only requests that pass are counted.

        Returns the call that takes this request's counts back, for a request that passed here
        but could not be served after all (the server too busy to take it).

        If the counter fails part-way, the hits already counted are taken back before its error
        is raised: a request that failed uses up no quota."""
        now = time.time() if now is None else now
        counted: list[tuple[str, int]] = []
        for subject, limit in limits:
            if limit is None:
                continue
            window = int(now // limit.seconds)
            ends = (window + 1) * limit.seconds
            key = f"{action}:{limit.seconds}:{subject}"
            try:
                count = self.counter.hit(key, window, ends)
            except Exception:
                # The request fails: the hits counted so far must not use up anyone's quota.
                self._release_quietly(counted)
                raise
            counted.append((key, window))
            if count > limit.count:
                # Refused, so uncounted; a release that fails must not turn the 429 into a 503.
                self._release_quietly(counted)
                retry_after = max(1, math.ceil(ends - now))
                raise RateLimited(action, limit.count, limit.seconds, retry_after)
        return lambda: self._release_quietly(counted)

    def _release_quietly(self, counted: Sequence[tuple[str, int]]) -> None:
        """Take back each hit in ``counted``, as far as the counter lets us: the caller is
        already raising the error that matters."""
        for key, window in counted:
            with contextlib.suppress(Exception):
                self.counter.release(key, window)
