from __future__ import annotations

import pytest

from adapters.memory_repository import MemoryRepository
from imagecore import ImageSlots
from tests.fakes import Counter, DictStorage, FakeCodec


@pytest.fixture
def storage() -> DictStorage:
    """An empty dict storage that records every write."""
    return DictStorage()


@pytest.fixture
def repository() -> MemoryRepository:
    """An empty in-memory repository."""
    return MemoryRepository()


@pytest.fixture
def slots(storage: DictStorage, repository: MemoryRepository) -> ImageSlots:
    """The core service on fakes, with predictable unique names."""
    return ImageSlots(storage=storage, repository=repository, codec=FakeCodec(), unique=Counter())
