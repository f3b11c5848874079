"""The RateCounter on one of the project's Django caches, which every worker shares when it is
a shared cache (Redis, Memcached, the database)."""

from __future__ import annotations

import time
from typing import Any

from imagecore.errors import RepositoryError

PREFIX = "imagecore:rate:"


class CacheRateCounter:
    """Counts in ``cache`` (a Django cache): one key per key and window, kept until the window
    ends. With a cache private to each process (the local-memory default), each worker
    counts alone."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def hit(self, key: str, window: int, expires: float) -> int:
        name = f"{PREFIX}{key}:{window}"
        timeout = max(1, int(expires - time.time()) + 1)
        try:
            for _ in range(3):
                self.cache.add(name, 0, timeout)
                try:
                    return int(self.cache.incr(name))
                except ValueError:  # expired between add and incr: add it again
                    continue
        except Exception as error:
            raise RepositoryError(f"the rate counter's cache failed: {error}") from error
        raise RepositoryError("the rate counter's cache keeps losing its keys")

    def release(self, key: str, window: int) -> None:
        try:
            self.cache.decr(f"{PREFIX}{key}:{window}")
        except ValueError:
            pass  # forgotten already: nothing to take back
        except Exception as error:
            raise RepositoryError(f"the rate counter's cache failed: {error}") from error
