"""What every RateCounter promises."""

from __future__ import annotations

import threading

import pytest

from imagecore.ports import RateCounter

LATER = 4_000_000_000.0


class RateCounterContract:
    """Mix into a test class that provides a ``counter`` fixture holding an empty counter."""

    @pytest.fixture
    def counter(self) -> RateCounter:
        raise NotImplementedError("provide an empty counter")

    def test_hits_are_counted_per_key_and_window(self, counter: RateCounter) -> None:
        """Each hit returns the count so far; keys and windows count apart."""
        assert [counter.hit("upload:user:1", 7, LATER) for _ in range(3)] == [1, 2, 3]
        assert counter.hit("upload:user:2", 7, LATER) == 1
        assert counter.hit("upload:user:1", 8, LATER) == 1
        assert counter.hit("delete:user:1", 7, LATER) == 1

    def test_a_released_hit_is_not_counted(self, counter: RateCounter) -> None:
        """release() takes back one hit: the next one counts as if it never happened."""
        assert counter.hit("upload:user:9", 3, LATER) == 1
        assert counter.hit("upload:user:9", 3, LATER) == 2
        counter.release("upload:user:9", 3)
        assert counter.hit("upload:user:9", 3, LATER) == 2

    def test_concurrent_hits_are_all_counted(self, counter: RateCounter) -> None:
        """Hits from many threads at once lose no count."""
        seen: list[int] = []
        start = threading.Barrier(8)

        def hit_many() -> None:
            start.wait()
            for _ in range(25):
                seen.append(counter.hit("upload:address:127.0.0.1", 1, LATER))

        threads = [threading.Thread(target=hit_many) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(seen) == list(range(1, 201))
