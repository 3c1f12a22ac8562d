"""Rate limits per client and route, and a circuit breaker per upstream service."""

import time
from dataclasses import dataclass

from gateway.stores import Store
from servicekit.access import ANONYMOUS, Identity

WINDOW_S = 60


def limit_key(caller: Identity, address: str) -> str:
    """Return whose budget a request counts against: a person, a system, or an address.

    Each kind has its own namespace, so no token subject can name another kind's budget.
    """
    if caller is ANONYMOUS:
        return f"ip:{address}"
    if caller.client_id is not None:
        return f"client:{caller.client_id}"
    return f"person:{caller.subject}"


class RateLimiter:
    """Fixed one-minute windows, counted per caller and operation."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def retry_after(self, *, caller: str, operation: str, limit: int) -> int | None:
        """Count one request; return seconds to wait if it is over `limit`, else None."""
        now = time.time()
        window = int(now // WINDOW_S)
        count = await self.store.incr(f"rl:{caller}:{operation}:{window}", WINDOW_S + 1)
        if count <= limit:
            return None
        return max(1, int((window + 1) * WINDOW_S - now) + 1)


@dataclass
class CircuitBreaker:
    """Opens after `failures` transport failures in a row; lets one trial through when due."""

    failures: int
    open_s: float
    _consecutive: int = 0
    _opened_at: float | None = None
    _trial_running: bool = False

    def retry_after(self) -> float | None:
        """Return seconds until the upstream may be tried again, or None to go ahead."""
        if self._opened_at is None:
            return None
        remaining = self._opened_at + self.open_s - time.monotonic()
        if remaining > 0 or self._trial_running:
            return max(remaining, 1.0)
        self._trial_running = True
        return None

    def succeeded(self) -> None:
        """The upstream answered: close the circuit."""
        self._consecutive = 0
        self._opened_at = None
        self._trial_running = False

    def failed(self) -> None:
        """The upstream could not be reached: count it, and open or re-open the circuit."""
        self._consecutive += 1
        self._trial_running = False
        if self._opened_at is not None or self._consecutive >= self.failures:
            self._opened_at = time.monotonic()
