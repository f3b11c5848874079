"""Throttle: only requests that pass are counted, even when the counter fails part-way."""

from __future__ import annotations

import pytest

from imagecore.errors import RateLimited, RepositoryError
from imagecore.throttle import Limit, Throttle

NOW = 1_000_000.0
PER_USER = Limit(count=2, seconds=3600)
PER_ADDRESS = Limit(count=100, seconds=60)
LIMITS = [("user:7", PER_USER), ("address:10.0.0.1", PER_ADDRESS)]


class FlakyCounter:
    """Counts in a dict; hits (or releases) of keys containing ``failing`` raise RepositoryError."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self.failing: str | None = None
        self.releases_fail = False

    def hit(self, key: str, window: int, expires: float) -> int:
        if self.failing is not None and self.failing in key:
            raise RepositoryError(f"the counter is down for {key}")
        self.counts[key, window] = self.counts.get((key, window), 0) + 1
        return self.counts[key, window]

    def release(self, key: str, window: int) -> None:
        if self.releases_fail:
            raise RepositoryError("the counter is down for releases too")
        self.counts[key, window] -= 1

    def counted(self) -> int:
        """All the hits still counted."""
        return sum(self.counts.values())


@pytest.fixture
def counter() -> FlakyCounter:
    return FlakyCounter()


def test_requests_over_a_limit_are_refused_and_not_counted(counter: FlakyCounter) -> None:
    """The hit over the limit raises RateLimited and is taken back from every subject."""
    throttle = Throttle(counter)
    throttle.check("upload", LIMITS, now=NOW)
    throttle.check("upload", LIMITS, now=NOW)
    with pytest.raises(RateLimited):
        throttle.check("upload", LIMITS, now=NOW)
    assert counter.counted() == 4


def test_a_counter_failing_on_a_later_subject_takes_back_the_earlier_hits(
    counter: FlakyCounter,
) -> None:
    """When counting the address fails, the user's hit is released and the error raised."""
    counter.failing = "address:"
    with pytest.raises(RepositoryError, match="down for upload:60:address"):
        Throttle(counter).check("upload", LIMITS, now=NOW)
    assert counter.counted() == 0


def test_failed_requests_use_up_no_quota(counter: FlakyCounter) -> None:
    """Two requests the counter failed, then one that goes: the user is under the limit."""
    throttle = Throttle(counter)
    counter.failing = "address:"
    for _ in range(2):
        with pytest.raises(RepositoryError):
            throttle.check("upload", LIMITS, now=NOW)
    counter.failing = None
    throttle.check("upload", LIMITS, now=NOW)
    throttle.check("upload", LIMITS, now=NOW)


def test_when_releasing_fails_too_the_counters_first_error_is_raised(
    counter: FlakyCounter,
) -> None:
    """A release that fails while cleaning up does not hide why counting failed."""
    counter.failing, counter.releases_fail = "address:", True
    with pytest.raises(RepositoryError, match="down for upload:60:address"):
        Throttle(counter).check("upload", LIMITS, now=NOW)


def test_a_refusal_stays_a_refusal_when_taking_its_hits_back_fails(
    counter: FlakyCounter,
) -> None:
    """Over the limit with the counter unable to release: still RateLimited, not the counter's
    error."""
    throttle = Throttle(counter)
    throttle.check("upload", LIMITS, now=NOW)
    throttle.check("upload", LIMITS, now=NOW)
    counter.releases_fail = True
    with pytest.raises(RateLimited):
        throttle.check("upload", LIMITS, now=NOW)
