"""Rate counts in the same SQL database as the images, so that every worker shares them."""

from __future__ import annotations

import itertools
import time

from imagecore.adapters.sql.schema import RATE_COUNTS
from imagecore.adapters.sql.seam import Connections
from imagecore.errors import RepositoryError
from imagecore.ports import RateCounter

#: Forget expired counts once in this many hits.
PRUNE_EVERY = 512


class SqlRateCounter(RateCounter):
    """One upserted row per key and window in ``imagecore_rate_counts``.

    Made by a database object, which owns its connections.
    """

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._errors = connections.dialect.errors
        self._hits = itertools.count(1)
        p = connections.dialect.param
        self._hit = (
            f"INSERT INTO {RATE_COUNTS} (key, window_number, count, expires) VALUES ({p}, {p}, 1, "
            f"{p}) ON CONFLICT (key, window_number) DO UPDATE SET count = {RATE_COUNTS}.count + 1 "
            "RETURNING count"
        )
        self._prune = f"DELETE FROM {RATE_COUNTS} WHERE expires < {p}"
        self._release = (
            f"UPDATE {RATE_COUNTS} SET count = count - 1 WHERE key = {p} AND window_number = {p}"
        )

    def hit(self, key: str, window: int, expires: float) -> int:
        try:
            with self._connections.connection() as connection:
                (count,) = connection.execute(self._hit, (key, window, expires)).fetchone()
                if next(self._hits) % PRUNE_EVERY == 0:
                    connection.execute(self._prune, (time.time(),))
        except self._errors as error:
            raise RepositoryError(f"cannot count requests: {error}") from error
        return int(count)

    def release(self, key: str, window: int) -> None:
        try:
            with self._connections.connection() as connection:
                connection.execute(self._release, (key, window))
        except self._errors as error:
            raise RepositoryError(f"cannot count requests: {error}") from error
