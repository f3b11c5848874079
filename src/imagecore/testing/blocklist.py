"""What every Blocklist promises."""

from __future__ import annotations

import threading

import pytest

from imagecore.blocking import BlockedPicture
from imagecore.model import Fingerprint
from imagecore.ports import Blocklist

#: A picture's fingerprint, and one a few bits away from it (re-encoded, say).
SEEN = Fingerprint(
    "aa" * 32, "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22", 100
)
NEAR = Fingerprint(
    "bb" * 32, "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b2d", 100
)
FAR = Fingerprint(
    "cc" * 32, "54a977c221d14c1c43ba5e6e21d4a13989a3553f1462611cbb85fda7be83b677", 100
)


class BlocklistContract:
    """Mix into a test class that provides a ``blocklist`` fixture holding an empty blocklist."""

    @pytest.fixture
    def blocklist(self) -> Blocklist:
        raise NotImplementedError("provide an empty blocklist")

    def test_an_empty_list_blocks_nothing(self, blocklist: Blocklist) -> None:
        assert blocklist.match(SEEN) is None
        assert list(blocklist.entries()) == []

    def test_a_blocked_picture_and_its_near_copies_match(self, blocklist: Blocklist) -> None:
        entry = BlockedPicture.taken_down(SEEN, "impersonation")
        blocklist.add(entry)
        assert blocklist.match(SEEN) == entry
        assert blocklist.match(NEAR) == entry
        assert blocklist.match(FAR) is None

    def test_an_entry_of_a_pdq_hash_alone_matches_by_it(self, blocklist: Blocklist) -> None:
        """As imported from a list of PDQ hashes, one a line."""
        blocklist.add(BlockedPicture(pdq=SEEN.pdq))
        assert blocklist.match(NEAR) is not None

    def test_adding_twice_keeps_one_and_removing_unblocks(self, blocklist: Blocklist) -> None:
        entry = BlockedPicture.taken_down(SEEN, "abuse")
        blocklist.add(entry)
        blocklist.add(BlockedPicture(entry.exact, entry.pdq, "again"))
        assert len(list(blocklist.entries())) == 1
        blocklist.remove(entry)
        blocklist.remove(entry)
        assert blocklist.match(SEEN) is None

    def test_concurrent_adds_are_all_kept(self, blocklist: Blocklist) -> None:
        def add(n: int) -> None:
            for k in range(20):
                blocklist.add(BlockedPicture(exact=f"{n:02x}{k:02x}" * 16))

        threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(list(blocklist.entries())) == 160

    def test_adding_many_keeps_the_new_ones_once(self, blocklist: Blocklist) -> None:
        """An imported list: its repeats and the entries there already are not added again."""
        blocklist.add(BlockedPicture(pdq=SEEN.pdq))
        listed = [BlockedPicture(pdq=h) for h in (SEEN.pdq, FAR.pdq, FAR.pdq)]
        assert blocklist.add_all(listed) == 1
        assert blocklist.add_all(listed) == 0
        assert sorted(e.pdq or "" for e in blocklist.entries()) == sorted([SEEN.pdq, FAR.pdq])

    def test_any_hash_of_an_entry_unblocks_it(self, blocklist: Blocklist) -> None:
        """A takedown's entry goes by its exact hash, its PDQ hash or any crop's; an entry
        holding none of them stays."""
        crops = (NEAR.pdq, "0f" * 32)
        for given in (
            BlockedPicture(exact=SEEN.exact),
            BlockedPicture(pdq=SEEN.pdq),
            BlockedPicture(pdq=crops[1]),
        ):
            blocklist.add(BlockedPicture(SEEN.exact, SEEN.pdq, "abuse", crops))
            blocklist.add(BlockedPicture(pdq=FAR.pdq))
            assert blocklist.remove(given)
            assert not blocklist.remove(given)
            assert [e.pdq for e in blocklist.entries()] == [FAR.pdq]
            assert blocklist.remove(BlockedPicture(pdq=FAR.pdq))
