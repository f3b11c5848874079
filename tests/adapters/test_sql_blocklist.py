"""SqlBlocklist on SQLite and PostgreSQL: the port's contract, workers sharing one list, and
matching among many entries."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from imagecore.adapters.sql import SqliteDatabase
from imagecore.adapters.sql.blocklist import SqlBlocklist
from imagecore.audit import Action, Actor, AuditRecord
from imagecore.blocking import BlockedPicture
from imagecore.model import Fingerprint
from imagecore.testing.blocklist import NEAR, SEEN, BlocklistContract

if TYPE_CHECKING:
    from imagecore.adapters.sql import PostgresDatabase

#: Opens another database object (another worker's) on the test's database.
Open = Callable[[], "SqliteDatabase | PostgresDatabase"]


@pytest.fixture(params=["sqlite", "postgresql"])
def open_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Open]:
    """Opens database objects on one new database, each a worker's; closes them all after."""
    opened: list[SqliteDatabase | PostgresDatabase] = []
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""

    def open_one() -> SqliteDatabase | PostgresDatabase:
        if request.param == "sqlite":
            database: SqliteDatabase | PostgresDatabase = SqliteDatabase(tmp_path / "images.db")
        else:
            from imagecore.adapters.sql import PostgresDatabase

            database = PostgresDatabase(url)
        opened.append(database)
        return database

    yield open_one
    for database in opened:
        database.close()


class TestSqliteBlocklist(BlocklistContract):
    @pytest.fixture
    def blocklist(self, tmp_path: Path) -> Iterator[SqlBlocklist]:
        with closing(SqliteDatabase(tmp_path / "images.db")) as database:
            yield database.blocklist


class TestPostgresBlocklist(BlocklistContract):
    @pytest.fixture
    def blocklist(self, postgres_url: str) -> Iterator[SqlBlocklist]:
        from imagecore.adapters.sql import PostgresDatabase

        with closing(PostgresDatabase(postgres_url)) as database:
            yield database.blocklist


def pdq_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flipped(pdq: str, bits: int, rng: random.Random) -> str:
    """``pdq`` with ``bits`` of its bits flipped, chosen at random."""
    mask = sum(1 << bit for bit in rng.sample(range(256), bits))
    return f"{int(pdq, 16) ^ mask:064x}"


def upload(pdq: str, quality: int = 100) -> Fingerprint:
    """The fingerprint of an upload whose pixels are no entry's."""
    return Fingerprint("ee" * 32, pdq, quality)


def test_workers_see_each_others_adds_and_removes_at_once(open_database: Open) -> None:
    """Two database objects on one database (two workers, or two machines): what one adds,
    removes or adds back, the other matches accordingly at its next match."""
    one, two = open_database().blocklist, open_database().blocklist
    assert two.match(SEEN) is None  # its index is loaded, empty
    entry = BlockedPicture.taken_down(SEEN, "impersonation")
    assert one.add(entry)
    assert two.match(NEAR) == entry
    assert two.remove(entry)
    assert one.match(SEEN) is None
    assert two.add(BlockedPicture(entry.exact, entry.pdq, "again"))
    matched = one.match(NEAR)
    assert matched is not None and matched.reason == "again"
    assert not one.add(entry)


def test_among_10000_entries_a_near_copy_matches_its_entry_alone(open_database: Open) -> None:
    """With 10,000 entries of random PDQ hashes (and crops), a copy 31 bits away from one entry
    matches it; 32 bits away, or a picture of none of them, matches nothing."""
    rng = random.Random(7)
    entries = [
        BlockedPicture(f"{n:064x}", pdq_hash(rng), f"entry {n}", [pdq_hash(rng) for _ in range(4)])
        for n in range(10_000)
    ]
    blocklist = open_database().blocklist
    assert blocklist.add_all(entries) == 10_000
    target = entries[4321]
    assert target.pdq is not None
    assert blocklist.match(upload(flipped(target.pdq, 31, rng))) == target
    assert blocklist.match(upload(flipped(target.pdq, 32, rng))) is None
    assert blocklist.match(upload(pdq_hash(rng))) is None
    assert blocklist.match(Fingerprint(f"{9876:064x}", pdq_hash(rng), 100)) == entries[9876]
    # Another worker, loading the whole list at its first match, finds the same.
    assert open_database().blocklist.match(upload(flipped(target.pdq, 20, rng))) == target


def test_the_crops_of_an_entry_match_it(open_database: Open) -> None:
    """A copy of the picture cut down (near one of the entry's crops' hashes, far from its own)
    is the entry's picture."""
    rng = random.Random(11)
    crops = [pdq_hash(rng) for _ in range(4)]
    entry = BlockedPicture("aa" * 32, pdq_hash(rng), "abuse", crops)
    blocklist = open_database().blocklist
    blocklist.add_all([BlockedPicture(pdq=pdq_hash(rng)) for _ in range(100)])
    blocklist.add(entry)
    for crop in crops:
        assert blocklist.match(upload(flipped(crop, 10, rng))) == entry
    assert blocklist.match(upload(flipped(crops[2], 10, rng), quality=49)) is None


def test_removing_one_entry_among_many_leaves_the_others(open_database: Open) -> None:
    """A worker's index drops exactly the entries another removes, and keeps matching the rest,
    crops included."""
    rng = random.Random(3)
    entries = [
        BlockedPicture(pdq=pdq_hash(rng), crops=[pdq_hash(rng)], reason=str(n)) for n in range(50)
    ]
    one, two = open_database().blocklist, open_database().blocklist
    one.add_all(entries)
    assert two.match(upload(entries[0].crops[0])) == entries[0]
    for entry in entries[::2]:
        assert one.remove(entry)
    for n, entry in enumerate(entries):
        assert entry.pdq is not None
        expected = None if n % 2 == 0 else entry
        assert two.match(upload(entry.pdq)) == expected
        assert two.match(upload(entry.crops[0])) == expected
    assert sorted(e.reason for e in two.entries()) == sorted(str(n) for n in range(1, 50, 2))


def test_an_exact_copy_matches_whatever_its_pdq_quality(open_database: Open) -> None:
    """The same pixels are blocked even where the PDQ hash says too little to compare."""
    blocklist = open_database().blocklist
    entry = BlockedPicture(exact="ab" * 32, reason="exact only")
    blocklist.add(entry)
    assert blocklist.match(Fingerprint("ab" * 32, SEEN.pdq, 0)) == entry
    assert blocklist.match(Fingerprint("ac" * 32, SEEN.pdq, 100)) is None


def test_a_change_and_its_records_are_kept_together(open_database: Open) -> None:
    """An add or a remove appends its records to the audit log; one that changes nothing (the
    entry there already, or not there) appends none."""
    database = open_database()
    blocklist, audit_log = database.blocklist, database.audit_log
    entry = BlockedPicture.taken_down(SEEN, "abuse")
    moderator = Actor.moderator("m1")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    block = AuditRecord(at, moderator, Action.BLOCK, detail="abuse")
    unblock = AuditRecord(at, moderator, Action.UNBLOCK, detail="appeal")
    assert blocklist.add(entry, [block])
    assert not blocklist.add(entry, [block])
    assert blocklist.remove(entry, [unblock])
    assert not blocklist.remove(entry, [unblock])
    assert [record.action for record in audit_log.history("")] == [Action.BLOCK, Action.UNBLOCK]


def test_a_pdq_hash_of_another_shape_is_refused_and_nothing_stored(open_database: Open) -> None:
    blocklist = open_database().blocklist
    with pytest.raises(ValueError, match="64 hex digits"):
        blocklist.add_all([BlockedPicture(pdq=SEEN.pdq), BlockedPicture(pdq="12ab")])
    with pytest.raises(ValueError, match="64 hex digits"):
        blocklist.add(BlockedPicture(pdq=SEEN.pdq, crops=[SEEN.pdq + "0"]))
    assert list(blocklist.entries()) == []


def test_matches_in_threads_while_another_worker_adds(open_database: Open) -> None:
    """Threads matching through one index while another worker adds entries each see every
    entry added before their match began: they match until the writer is done, and each has
    matched while it wrote."""
    rng = random.Random(5)
    entries = [BlockedPicture(pdq=pdq_hash(rng), reason=str(n)) for n in range(200)]
    writer, reader = open_database().blocklist, open_database().blocklist
    added = 0
    written = threading.Event()
    missed: list[int] = []
    matched_while_writing: list[int] = []

    def match_added() -> None:
        picks = random.Random(threading.get_ident())
        done = 0
        while not written.is_set():
            count = added
            if not count:
                continue
            n = picks.randrange(count)
            if reader.match(upload(entries[n].pdq or "")) != entries[n]:
                missed.append(n)
            done += 1
        matched_while_writing.append(done)

    threads = [threading.Thread(target=match_added) for _ in range(4)]
    for thread in threads:
        thread.start()
    for entry in entries:
        writer.add(entry)
        added += 1
    written.set()
    for thread in threads:
        thread.join()
    assert missed == []
    assert len(matched_while_writing) == 4 and min(matched_while_writing) > 0
    assert all(reader.match(upload(e.pdq or "")) == e for e in entries)
