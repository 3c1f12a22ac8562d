"""Identity tokens a service has accepted, kept until they expire, so none is accepted twice.

In memory for one process (embedded mode, one replica); in Redis when REDIS_URL is set, so
every replica of a service refuses a token another replica accepted.
"""

import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from servicekit.errors import DomainError

KEY_PREFIX = "congvu:identity-token"


class ReplayCheckUnavailable(DomainError):
    """Redis does not answer: a token cannot be checked, so it is not accepted."""

    status_code = 503


class UsedTokens(Protocol):
    """Token ids seen by this service, each kept for as long as its token is valid."""

    async def first_use(self, service: str, token_id: str, ttl_s: int) -> bool:
        """Record a use of `token_id`; return False if it was used before."""
        ...

    async def ready(self) -> None:
        """Raise if the store does not answer."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class MemoryUsedTokens:
    """A dict of expiry times, swept as it grows."""

    def __init__(self, sweep_at: int = 100_000) -> None:
        self._expiries: dict[str, float] = {}
        self.sweep_at = sweep_at

    async def first_use(self, service: str, token_id: str, ttl_s: int) -> bool:
        now = time.monotonic()
        if len(self._expiries) >= self.sweep_at:
            self._expiries = {k: at for k, at in self._expiries.items() if at > now}
            # Sweep again only once the live entries have doubled: never on every call.
            self.sweep_at = max(self.sweep_at, 2 * len(self._expiries))
        key = f"{service}:{token_id}"
        if self._expiries.get(key, 0.0) > now:
            return False
        self._expiries[key] = now + ttl_s
        return True

    async def ready(self) -> None:
        return None

    async def close(self) -> None:
        self._expiries.clear()


class RedisUsedTokens:
    """The same on a Redis server: one key per token, set only if absent, expiring with it."""

    def __init__(self, url: str) -> None:
        # Short timeouts: a Redis that is gone must answer 503 at once, not hold requests.
        self.redis = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)

    async def first_use(self, service: str, token_id: str, ttl_s: int) -> bool:
        key = f"{KEY_PREFIX}:{service}:{token_id}"
        try:
            return bool(await self.redis.set(key, b"1", ex=ttl_s, nx=True))
        except RedisError:
            raise ReplayCheckUnavailable(
                "The caller's identity cannot be checked right now; try again.",
                vi="Hiện chưa kiểm tra được danh tính người gọi; hãy thử lại.",
                headers={"Retry-After": "1"},
            ) from None

    async def ready(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()


def used_tokens(redis_url: str | None) -> UsedTokens:
    """Return a Redis store if a URL is given, else an in-memory one."""
    return RedisUsedTokens(redis_url) if redis_url else MemoryUsedTokens()
