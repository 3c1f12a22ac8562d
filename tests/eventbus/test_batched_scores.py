"""One partition's batch of counts at a unit and the units above it, poison in the middle or not."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contracts.plans import UnitRegistered
from contracts.visits import VisitStarted
from eventbus.consumer import EventConsumer, Handler
from reporting.handlers import on_unit, on_visit_started
from reporting.models import UnitScore
from servicekit.db import create_engine, create_sessionmaker
from tests.conftest import Broker, DatabaseFactory
from tests.eventbus.records import (
    consumer_name,
    create_topics,
    event_record,
    make_consumer,
    publish,
    read_topic,
    visit,
)
from tests.support.reporting import consumed
from tests.support.waiting import eventually

AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]
# Where the visits of one batch take place, in order; "poison" cannot be applied.
VISITS = [
    "commune_1",
    "commune_1",
    "district",
    "commune_2",
    "province",
    "commune_1",
    "commune_2",
    "poison",
    "commune_1",
    "district",
    "commune_2",
    "commune_1",
    "commune_1",
]


@pytest.fixture
async def reporting(database: DatabaseFactory) -> AsyncIterator[tuple[AsyncEngine, Sessions]]:
    engine = create_engine(await database("reporting"))
    yield engine, create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def producer(broker: Broker) -> AsyncIterator[AIOKafkaProducer]:
    await create_topics(broker)
    p = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await p.start()
    yield p
    await p.stop()


async def register_tree(sessions: Sessions) -> dict[str, uuid.UUID]:
    """Register a province, a district in it, and three communes in the district."""
    ids = {role: uuid.uuid4() for role in ("province", "district", *sorted(set(VISITS)))}
    parents = {"province": None, "district": "province"}
    async with sessions() as session, session.begin():
        for role, unit_id in ids.items():
            parent = parents.get(role, "district")
            unit = {"unit_id": unit_id, "code": role, "name": role, "registered_at": AT}
            unit["level"] = role if role in parents else "commune"
            unit["parent_id"] = ids[parent] if parent else None
            await on_unit(session, UnitRegistered.model_validate(unit))
    return ids


def failing_for(unit_id: uuid.UUID) -> Handler:
    async def handler(session: AsyncSession, event: VisitStarted) -> None:
        await on_visit_started(session, event)
        if event.unit_id == unit_id:
            raise ValueError("this event cannot be applied")

    return handler


async def run_until(consumer: EventConsumer, done: Callable[[], bool]) -> None:
    task = asyncio.create_task(consumer.run())

    async def check() -> bool:
        if task.done():
            task.result()
            raise AssertionError("the consumer stopped")
        return done()

    try:
        await eventually(check)
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 20)


async def figures(sessions: Sessions, ids: dict[str, uuid.UUID]) -> dict[str, tuple[int, int]]:
    """Return each unit's own visits and visits in total."""
    async with sessions() as session:
        scores = {role: await session.get(UnitScore, unit_id) for role, unit_id in ids.items()}
    return {
        role: (s.visits_started, s.total_visits_started)
        for role, s in scores.items()
        if s is not None
    }


def commits(engine: AsyncEngine) -> list[int]:
    seen = [0]

    def on_commit(_: Any) -> None:
        seen[0] += 1

    sa_event.listen(engine.sync_engine, "commit", on_commit)
    return seen


@pytest.mark.parametrize("poisoned", [False, True], ids=["clean", "poisoned"])
async def test_a_batch_counts_exactly_what_one_event_at_a_time_counts(
    broker: Broker, reporting: Any, producer: AIOKafkaProducer, poisoned: bool
) -> None:
    engine, sessions = reporting
    ids = await register_tree(sessions)
    # One visit id keeps every record on one partition, so they are fetched as one batch.
    visit_id = uuid.uuid4()
    await publish(broker, [event_record(visit(ids[role], visit_id=visit_id)) for role in VISITS])
    name = consumer_name()
    handlers = {VisitStarted: failing_for(ids["poison"]) if poisoned else on_visit_started}
    seen = commits(engine)
    consumer = make_consumer(broker, sessions, producer, name, handlers=handlers)
    applied = len(VISITS) - 1 if poisoned else len(VISITS)
    await run_until(
        consumer,
        lambda: (
            consumed(name, "processed") >= applied
            and consumed(name, "dead_lettered") >= int(poisoned)
        ),
    )

    poison = 0 if poisoned else 1
    assert await figures(sessions, ids) == {
        "commune_1": (6, 6),
        "commune_2": (3, 3),
        "poison": (poison, poison),
        "district": (2, 11 + poison),
        "province": (1, 12 + poison),
    }
    assert consumed(name, "processed") == applied
    if poisoned:
        # The batch failed as a whole; one event at a time, only the poison was set aside.
        assert consumed(name, "dead_lettered") == 1
        assert len(await read_topic(broker, "congvu.visits.v1.dlq", at_least=1)) == 1
        assert seen[0] >= applied
    else:
        assert consumed(name, "dead_lettered") == 0
        # One fetch may bring the partition in two pieces; never one transaction per event.
        assert seen[0] <= 3, seen
