"""MemoryRepository keeps the repository contract."""

from __future__ import annotations

import pytest

from adapters.memory_repository import MemoryRateCounter, MemoryRepository
from tests.contracts.rate_counter import RateCounterContract
from tests.contracts.repository import RepositoryContract


class TestMemoryRepository(RepositoryContract):
    @pytest.fixture
    def repository(self) -> MemoryRepository:
        return MemoryRepository()


class TestMemoryRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self) -> MemoryRateCounter:
        return MemoryRateCounter()
