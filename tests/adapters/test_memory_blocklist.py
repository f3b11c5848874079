from __future__ import annotations

import pytest

from imagecore.adapters.memory_repository import MemoryBlocklist
from imagecore.ports import Blocklist
from imagecore.testing.blocklist import BlocklistContract


class TestMemoryBlocklist(BlocklistContract):
    @pytest.fixture
    def blocklist(self) -> Blocklist:
        return MemoryBlocklist()
