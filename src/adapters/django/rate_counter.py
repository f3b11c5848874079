"""The RateCounter on one of the project's Django caches: Redis or Memcached, which every worker
shares and which count atomically, or the local-memory cache for a single process.

Django's database and file caches increment by reading and writing back, which loses counts
between workers and resets the key's expiry: they are refused."""

from __future__ import annotations

import time
from typing import Any

from imagecore.errors import RepositoryError

PREFIX = "imagecore:rate:"


#: The cache backends whose ``incr`` is atomic and keeps the key's expiry.
ATOMIC_BACKENDS = frozenset(
    {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
        "django.core.cache.backends.locmem.LocMemCache",
    }
)


class CacheRateCounter:
    """Counts in ``cache`` (a Django cache): one key per key and window, kept until the window
    ends. With a cache private to each process (the local-memory default), each worker
    counts alone, and keeps at most its MAX_ENTRIES keys (300 unless set): give the counts a
    cache alias of their own (``IMAGECORE["CACHE"]``) with room for them."""

    def __init__(self, cache: Any) -> None:
        backend = f"{type(cache).__module__}.{type(cache).__qualname__}"
        if backend not in ATOMIC_BACKENDS:
            raise ValueError(
                f"rate counts need a cache that counts atomically (Redis, Memcached, or "
                f"local memory for one process), not {backend}"
            )
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
