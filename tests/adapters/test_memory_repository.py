"""MemoryRepository keeps the repository contract."""

from __future__ import annotations

import pytest
from imagecore.adapters.memory_repository import MemoryRateCounter, MemoryRepository

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
