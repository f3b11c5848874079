"""MemoryRepository keeps the repository contract."""

from __future__ import annotations

import pytest

from adapters.memory_repository import MemoryRepository
from tests.contracts.repository import RepositoryContract


class TestMemoryRepository(RepositoryContract):
    @pytest.fixture
    def repository(self) -> MemoryRepository:
        return MemoryRepository()
