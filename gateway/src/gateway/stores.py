"""Short-lived counters and markers for rate limits and replay protection.

In memory for one gateway process (embedded mode); in Redis when REDIS_URL is set, so
every gateway replica shares them.
"""

import time
from typing import Protocol

from redis.asyncio import Redis


class Store(Protocol):
    """Keys that expire on their own."""

    async def incr(self, key: str, ttl_s: int) -> int:
        """Add one to `key` (created with `ttl_s` to live) and return the new count."""
        ...

    async def add(self, key: str, ttl_s: int) -> bool:
        """Create `key` for `ttl_s`; return False if it already exists."""
        ...

    async def take(self, key: str) -> int:
        """Return the count under `key` (0 if none) and delete it, in one step."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class MemoryStore:
    """A dict with expiry, swept as it grows."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self.max_keys = max_keys

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._values.get(key)
        if entry is not None and entry[1] <= now:
            del self._values[key]
            return None
        return entry

    def _sweep(self, now: float) -> None:
        if len(self._values) >= self.max_keys:
            self._values = {k: v for k, v in self._values.items() if v[1] > now}
            # Sweep again only once the live keys have doubled: never on every request.
            self.max_keys = max(self.max_keys, 2 * len(self._values))

    async def incr(self, key: str, ttl_s: int) -> int:
        now = time.monotonic()
        self._sweep(now)
        entry = self._live(key, now)
        count, expires = (entry[0] + 1, entry[1]) if entry else (1, now + ttl_s)
        self._values[key] = (count, expires)
        return count

    async def add(self, key: str, ttl_s: int) -> bool:
        now = time.monotonic()
        self._sweep(now)
        if self._live(key, now) is not None:
            return False
        self._values[key] = (1, now + ttl_s)
        return True

    async def take(self, key: str) -> int:
        entry = self._live(key, time.monotonic())
        self._values.pop(key, None)
        return entry[0] if entry else 0

    async def close(self) -> None:
        self._values.clear()


class RedisStore:
    """The same operations on a Redis server."""

    def __init__(self, url: str) -> None:
        # Short timeouts: a Redis that is gone fails a request at once instead of holding it.
        self.redis = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)

    async def incr(self, key: str, ttl_s: int) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl_s, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def add(self, key: str, ttl_s: int) -> bool:
        return bool(await self.redis.set(key, b"1", ex=ttl_s, nx=True))

    async def take(self, key: str) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.delete(key)
            value, _ = await pipe.execute()
        return int(value or 0)

    async def close(self) -> None:
        await self.redis.aclose()


def create_store(redis_url: str | None) -> Store:
    """Return a Redis store if a URL is given, else an in-memory one."""
    return RedisStore(redis_url) if redis_url else MemoryStore()
