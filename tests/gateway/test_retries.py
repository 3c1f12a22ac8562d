"""The gateway's retry rule and deadline, against a transport that fails on cue.

Pure logic of `_send`: which failures it retries, how often, and when it gives up. Real
services behind a real gateway are exercised in tests/system.
"""

import asyncio
from collections.abc import Callable

import httpx
import pytest

from gateway.config import Settings
from gateway.limits import CircuitBreaker
from gateway.proxy import GatewayTimeout, UpstreamUnavailable, _send, may_retry
from gateway.state import GatewayState
from gateway.stores import MemoryStore


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {}, True),
        ("PUT", {}, True),
        ("DELETE", {}, True),
        ("POST", {}, False),
        ("PATCH", {}, False),
        ("POST", {"Idempotency-Key": "k"}, True),
        ("PATCH", {"idempotency-key": "k"}, True),
    ],
)
def test_what_may_be_sent_twice(method: str, headers: dict[str, str], expected: bool) -> None:
    assert may_retry(method, headers) is expected


class Upstream:
    """A transport that fails the first `failures` sends with `error`, then answers 200."""

    def __init__(self, failures: int, error: Callable[[httpx.Request], Exception]) -> None:
        self.failures, self.error, self.sends = failures, error, 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sends += 1
        if self.sends <= self.failures:
            raise self.error(request)
        return httpx.Response(200, json={"ok": True})


def state_with(upstream: Upstream | Callable[[httpx.Request], object]) -> GatewayState:
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(upstream),  # type: ignore[arg-type]
        base_url="http://plans.test",
    )
    return GatewayState(
        settings=Settings(),
        clients={"plans": client},
        store=MemoryStore(),
        bearer=None,  # type: ignore[arg-type]
        signatures=None,  # type: ignore[arg-type]
        limiter=None,  # type: ignore[arg-type]
        identity_key=None,
        refusals=None,  # type: ignore[arg-type]
        policies=None,  # type: ignore[arg-type]
        breakers={"plans": CircuitBreaker(failures=5, open_s=10)},
    )


def refused(request: httpx.Request) -> Exception:
    return httpx.ConnectError("connection refused", request=request)


def slow_read(request: httpx.Request) -> Exception:
    return httpx.ReadTimeout("no answer", request=request)


async def send(state: GatewayState, method: str, *, retry: bool, within_s: float = 5) -> int:
    request = state.clients["plans"].build_request(method, "/api/v1/plans/units")
    deadline = asyncio.get_running_loop().time() + within_s
    response = await _send(state, "plans", request, may_retry=retry, deadline=deadline)
    return response.status_code


async def test_a_refused_connection_is_retried_once_when_safe() -> None:
    upstream = Upstream(1, refused)
    assert await send(state_with(upstream), "GET", retry=True) == 200
    assert upstream.sends == 2


async def test_a_post_without_key_is_sent_once() -> None:
    upstream = Upstream(1, refused)
    with pytest.raises(UpstreamUnavailable):
        await send(state_with(upstream), "POST", retry=False)
    assert upstream.sends == 1


async def test_two_refusals_give_up_and_count_against_the_breaker() -> None:
    upstream = Upstream(2, refused)
    state = state_with(upstream)
    with pytest.raises(UpstreamUnavailable) as raised:
        await send(state, "GET", retry=True)
    assert raised.value.headers == {"Retry-After": "5"}
    assert upstream.sends == 2
    assert state.breakers["plans"]._consecutive == 1


async def test_a_read_timeout_is_never_retried() -> None:
    upstream = Upstream(1, slow_read)
    with pytest.raises(GatewayTimeout):
        await send(state_with(upstream), "GET", retry=True)
    assert upstream.sends == 1


async def test_the_deadline_bounds_the_whole_exchange() -> None:
    async def stalls(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200)

    started = asyncio.get_running_loop().time()
    with pytest.raises(GatewayTimeout):
        await send(state_with(stalls), "GET", retry=True, within_s=0.3)
    assert asyncio.get_running_loop().time() - started < 1
