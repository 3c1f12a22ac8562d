"""Rate-limit counters and replay markers, in memory and on a real Redis server."""

import uuid
from collections.abc import AsyncIterator

import pytest

from gateway.stores import MemoryStore, RedisStore, Store
from tests.support.redis import needs_redis


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "redis",
            marks=needs_redis,
        ),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    made: Store = (
        MemoryStore() if request.param == "memory" else RedisStore("redis://127.0.0.1:6379/0")
    )
    yield made
    await made.close()


async def test_counts_per_key(store: Store) -> None:
    key = f"test:{uuid.uuid4()}"
    assert [await store.incr(key, 5) for _ in range(3)] == [1, 2, 3]
    assert await store.incr(f"{key}:other", 5) == 1


async def test_add_refuses_a_second_time(store: Store) -> None:
    key = f"test:{uuid.uuid4()}"
    assert await store.add(key, 5) is True
    assert await store.add(key, 5) is False


async def test_memory_keys_expire() -> None:
    store = MemoryStore()
    assert await store.add("k", 0) is True
    assert await store.add("k", 5) is True
    assert await store.incr("n", 0) == 1
    assert await store.incr("n", 5) == 1


async def test_take_returns_the_count_and_starts_again(store: Store) -> None:
    key = f"test:{uuid.uuid4()}"
    assert await store.take(key) == 0
    for _ in range(3):
        await store.incr(key, 5)
    assert await store.take(key) == 3
    assert await store.take(key) == 0
    assert await store.incr(key, 5) == 1
