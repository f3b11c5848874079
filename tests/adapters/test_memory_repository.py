"""MemoryRepository and MemoryRateCounter keep their port contracts; the counter sweeps cheaply."""

from __future__ import annotations

import pytest

from imagecore.adapters.memory_repository import SWEEP_FROM, MemoryRateCounter, MemoryRepository
from imagecore.testing.rate_counter import RateCounterContract
from imagecore.testing.repository import RepositoryContract


class TestMemoryRepository(RepositoryContract):
    @pytest.fixture
    def repository(self) -> MemoryRepository:
        return MemoryRepository()


class TestMemoryRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self) -> MemoryRateCounter:
        return MemoryRateCounter()


class StoppedClock:
    """A time that does not move, counting how often it is read."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


def test_many_live_windows_are_swept_now_and_then_not_on_every_hit() -> None:
    """Filling 20,000 live windows, the counter sweeps once, not on every hit past 10,000."""
    clock = StoppedClock(100.0)
    counter = MemoryRateCounter(clock=clock)
    for n in range(20_000):
        assert counter.hit(f"upload:user:{n}", 1, expires=200.0) == 1
    assert clock.reads == 1


def test_a_sweep_forgets_expired_windows_and_keeps_live_ones() -> None:
    """Past its size threshold a hit sweeps: ended windows are forgotten, live ones counted on."""
    clock = StoppedClock(100.0)
    counter = MemoryRateCounter(clock=clock)
    for n in range(10):
        counter.hit(f"upload:user:{n}", 2, expires=200.0)
    for n in range(SWEEP_FROM):
        counter.hit(f"upload:user:{n}", 1, expires=50.0)
    assert clock.reads == 1
    assert counter.hit("upload:user:0", 1, expires=50.0) == 1
    assert [counter.hit(f"upload:user:{n}", 2, expires=200.0) for n in range(10)] == [2] * 10


def test_sweeps_stay_rare_while_windows_keep_ending() -> None:
    """With windows ending as fast as new ones start, a sweep comes once per 10,000 or so hits."""
    clock = StoppedClock(0.0)
    counter = MemoryRateCounter(clock=clock)
    for second in range(100_000):
        clock.now = float(second)
        counter.hit("upload:address:10.0.0.1", second, expires=second + 10.0)
    assert 9 <= clock.reads <= 11
