"""The blocklist run of `make bench`: matching uploads against 100,000 blocked pictures.

Each entry has a PDQ hash and its nine crops' hashes, as a takedown makes them: a million
hashes in all. For SQLite, and PostgreSQL when one answers: the time to add them all (one
``add_all``), a worker's first match (which loads its index whole), the median time of a match
(the query of the change number, then the numpy index; half the uploads near an entry, half
near none), and a worker's next match once another worker has added one entry, or removed one
(its index reloads what changed). Then the numpy index alone, without a database, on the same
hashes.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from imagecore.adapters.sql import SqliteDatabase
from imagecore.adapters.sql.blocklist import SqlBlocklist
from imagecore.adapters.sql.pdq_index import PdqIndex
from imagecore.blocking import BlockedPicture, Matching
from imagecore.model import Fingerprint

POSTGRES_URL = os.environ.get(
    "IMAGECORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SCHEMA = "imagecore_bench_blocklist"
#: The crops' hashes a takedown's entry holds (pillow_codec.fingerprint.CROPS).
CROPS = 9


def run(entries: int = 100_000, matches: int = 200, reloads: int = 7) -> dict[str, Any]:
    rng = random.Random(2026)
    blocked = [
        BlockedPicture(f"{n:064x}", _pdq(rng), f"entry {n}", [_pdq(rng) for _ in range(CROPS)])
        for n in range(entries)
    ]
    uploads = _uploads(blocked, matches, rng)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        rows.append(
            _one_database("SQLite", lambda: SqliteDatabase(path), blocked, uploads, reloads)
        )
    postgres = _postgres()
    if postgres is not None:
        with postgres as url:
            from imagecore.adapters.sql import PostgresDatabase

            rows.append(
                _one_database(
                    "PostgreSQL", lambda: PostgresDatabase(url), blocked, uploads, reloads
                )
            )
    index = PdqIndex.of(enumerate(blocked, 1))
    matching = Matching()
    times = _times(lambda fingerprint: index.candidates(fingerprint, matching), uploads)
    return {
        "entries": entries,
        "hashes": len(index),
        "matches": len(uploads),
        "rows": rows,
        "index_match_ms": round(statistics.median(times), 3),
    }


def _one_database(
    name: str,
    open_database: Callable[[], Any],
    blocked: list[BlockedPicture],
    uploads: list[tuple[Fingerprint, BlockedPicture | None]],
    reloads: int,
) -> dict[str, Any]:
    print(f"  {name}: adding {len(blocked)} entries", file=sys.stderr, flush=True)
    writer_database, reader_database = open_database(), open_database()
    try:
        writer: SqlBlocklist = writer_database.blocklist
        reader: SqlBlocklist = reader_database.blocklist
        started = time.perf_counter()
        writer.add_all(blocked)
        add_ms = (time.perf_counter() - started) * 1000
        fingerprint, expected = uploads[0]
        started = time.perf_counter()
        assert reader.match(fingerprint) == expected
        first_ms = (time.perf_counter() - started) * 1000
        times = _times(reader.match, uploads)
        after_add, after_remove = [], []
        rng = random.Random(3)
        for _ in range(reloads):
            extra = BlockedPicture(pdq=_pdq(rng), reason="one more")
            writer.add(extra)
            started = time.perf_counter()
            assert reader.match(fingerprint) == expected
            after_add.append((time.perf_counter() - started) * 1000)
            writer.remove(extra)
            started = time.perf_counter()
            assert reader.match(fingerprint) == expected
            after_remove.append((time.perf_counter() - started) * 1000)
    finally:
        writer_database.close()
        reader_database.close()
    return {
        "database": name,
        "add_all_s": round(add_ms / 1000, 2),
        "first_match_ms": round(first_ms, 1),
        "match_ms": round(statistics.median(times), 3),
        "match_p99_ms": round(statistics.quantiles(times, n=100)[98], 3),
        "after_add_ms": round(statistics.median(after_add), 2),
        "after_remove_ms": round(statistics.median(after_remove), 2),
    }


def _times(
    match: Callable[[Fingerprint], object], uploads: Sequence[tuple[Fingerprint, object]]
) -> list[float]:
    for fingerprint, _ in uploads[:10]:  # warm up
        match(fingerprint)
    times = []
    for fingerprint, _ in uploads:
        started = time.perf_counter()
        match(fingerprint)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _uploads(
    blocked: list[BlockedPicture], count: int, rng: random.Random
) -> list[tuple[Fingerprint, BlockedPicture | None]]:
    """Uploads with the entry each is: every other one 12 bits from an entry's hash or one of
    its crops', the rest near none (random hashes)."""
    found: list[tuple[Fingerprint, BlockedPicture | None]] = []
    for n in range(count):
        if n % 2:
            found.append((Fingerprint("ee" * 32, _pdq(rng), 100), None))
            continue
        entry = rng.choice(blocked)
        near = int(rng.choice(entry.perceptual), 16)
        for bit in rng.sample(range(256), 12):
            near ^= 1 << bit
        found.append((Fingerprint("ee" * 32, f"{near:064x}", 100), entry))
    return found


def _postgres() -> Any:
    """A context giving the URL of a schema of the bench's own, or None with no PostgreSQL."""
    try:
        import psycopg
    except ImportError:
        print("psycopg is not installed: the PostgreSQL row is left out", file=sys.stderr)
        return None
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable ({error}); its row is left out", file=sys.stderr)
        return None

    @contextmanager
    def schema() -> Iterator[str]:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            admin.execute(f"CREATE SCHEMA {SCHEMA}")
            try:
                yield f"{POSTGRES_URL}?options=-csearch_path%3D{SCHEMA}"
            finally:
                admin.execute(f"DROP SCHEMA {SCHEMA} CASCADE")

    return schema()


def render(report: dict[str, Any]) -> str:
    lines = [
        f"Blocklist: an upload matched against {report['entries']:,} entries "
        f"({report['hashes']:,} PDQ hashes), median of {report['matches']} uploads:",
        "",
        "| database | add all s | first match (loads the index) ms | match ms | match p99 ms "
        "| match after another worker adds one ms | after it removes one ms |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['database']} | {r['add_all_s']} | {r['first_match_ms']} | {r['match_ms']} | "
        f"{r['match_p99_ms']} | {r['after_add_ms']} | {r['after_remove_ms']} |"
        for r in report["rows"]
    ]
    lines.append(f"\nthe numpy index alone, without a database: {report['index_match_ms']} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(run()))
