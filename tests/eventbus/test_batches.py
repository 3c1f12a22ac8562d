"""Batches: a partition's batch in one transaction, one by one on failure; unknown event types."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contracts.feedback import RatingSubmitted
from contracts.visits import VisitStarted
from eventbus.consumer import EventConsumer, Handler
from reporting.handlers import on_visit_started
from reporting.models import UnitScore
from servicekit.db import create_engine, create_sessionmaker
from tests.conftest import Broker, DatabaseFactory
from tests.eventbus.records import (
    DiesBeforeOffsetCommit,
    Killed,
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

DLQ = "congvu.visits.v1.dlq"


@pytest.fixture
async def reporting(
    database: DatabaseFactory,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
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


async def run_until(consumer: EventConsumer, done: Callable[[], bool]) -> None:
    """Run the consumer until `done()`, then stop it; fail if it stops by itself."""
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


async def counted(sessionmaker: Any, units: list[uuid.UUID]) -> list[int]:
    async with sessionmaker() as session:
        scores = [await session.get(UnitScore, u) for u in units]
    return [s.visits_started if s else 0 for s in scores]


def counting_transactions(engine: AsyncEngine) -> dict[str, int]:
    """Count commits, and statements reading the inbox, on `engine` from now on."""
    seen = {"commits": 0, "inbox_reads": 0}

    def on_commit(_: Any) -> None:
        seen["commits"] += 1

    def on_execute(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM inbox" in statement:
            seen["inbox_reads"] += 1

    sa_event.listen(engine.sync_engine, "commit", on_commit)
    sa_event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return seen


def failing_for(unit_id: uuid.UUID) -> Handler:
    async def handler(session: AsyncSession, event: VisitStarted) -> None:
        if event.unit_id == unit_id:
            raise ValueError("this event cannot be applied")
        await on_visit_started(session, event)

    return handler


async def test_a_partition_batch_is_applied_in_one_transaction(
    broker: Broker, reporting: Any, producer: AIOKafkaProducer
) -> None:
    engine, sessionmaker = reporting
    visit_id, units = uuid.uuid4(), [uuid.uuid4() for _ in range(30)]
    await publish(broker, [event_record(visit(u, visit_id=visit_id)) for u in units])
    seen = counting_transactions(engine)
    name = consumer_name()
    consumer = make_consumer(broker, sessionmaker, producer, name)
    await run_until(consumer, lambda: consumed(name, "processed") >= 30)
    assert await counted(sessionmaker, units) == [1] * 30
    # One fetch may bring the partition in two pieces; never one transaction per event.
    assert seen["commits"] <= 3, seen
    assert seen["inbox_reads"] <= 3, seen


async def test_poison_event_in_the_middle_of_a_batch_is_dead_lettered_alone(
    broker: Broker, reporting: Any, producer: AIOKafkaProducer
) -> None:
    _, sessionmaker = reporting
    visit_id, units = uuid.uuid4(), [uuid.uuid4() for _ in range(9)]
    records = [event_record(visit(u, visit_id=visit_id)) for u in units]
    await publish(broker, records)
    name = consumer_name()
    consumer = make_consumer(
        broker, sessionmaker, producer, name, handlers={VisitStarted: failing_for(units[4])}
    )
    await run_until(
        consumer,
        lambda: consumed(name, "processed") >= 8 and consumed(name, "dead_lettered") >= 1,
    )
    assert await counted(sessionmaker, units) == [1, 1, 1, 1, 0, 1, 1, 1, 1]
    assert consumed(name, "dead_lettered") == 1
    dead = await read_topic(broker, DLQ, at_least=1)
    assert len(dead) == 1
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["dlq_error_type"] == "ValueError"
    assert headers["ce_id"] == dict((k, v.decode()) for k, v in records[4].headers)["ce_id"]


async def test_batch_killed_between_db_commit_and_offset_commit_has_no_second_effect(
    broker: Broker, reporting: Any, producer: AIOKafkaProducer
) -> None:
    _, sessionmaker = reporting
    visit_id, units = uuid.uuid4(), [uuid.uuid4() for _ in range(10)]
    await publish(broker, [event_record(visit(u, visit_id=visit_id)) for u in units])
    name = consumer_name()
    dying = make_consumer(broker, sessionmaker, producer, name, cls=DiesBeforeOffsetCommit)
    with pytest.raises(Killed):
        await asyncio.wait_for(dying.run(), 30)
    assert await counted(sessionmaker, units) == [1] * 10
    processed = consumed(name, "processed")

    survivor = make_consumer(broker, sessionmaker, producer, name)
    await run_until(survivor, lambda: consumed(name, "duplicate") >= 10)
    assert await counted(sessionmaker, units) == [1] * 10
    assert consumed(name, "processed") == processed


async def test_one_event_twice_in_a_batch_has_one_effect(
    broker: Broker, reporting: Any, producer: AIOKafkaProducer
) -> None:
    _, sessionmaker = reporting
    visit_id, units = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    twice = event_record(visit(units[0], visit_id=visit_id))
    await publish(broker, [twice, event_record(visit(units[1], visit_id=visit_id)), twice])
    name = consumer_name()
    consumer = make_consumer(broker, sessionmaker, producer, name)
    await run_until(
        consumer, lambda: consumed(name, "processed") >= 2 and consumed(name, "duplicate") >= 1
    )
    assert await counted(sessionmaker, units) == [1, 1]


async def test_event_type_no_contract_knows_is_dead_lettered(
    broker: Broker, reporting: Any, producer: AIOKafkaProducer
) -> None:
    _, sessionmaker = reporting
    units = [uuid.uuid4(), uuid.uuid4()]
    unknown = "vn.congvu.visits.visit.teleported.v1"
    await publish(
        broker,
        [event_record(visit(units[0]), event_type=unknown), event_record(visit(units[1]))],
    )
    name = consumer_name()
    consumer = make_consumer(broker, sessionmaker, producer, name)
    await run_until(
        consumer,
        lambda: consumed(name, "processed") >= 1 and consumed(name, "dead_lettered") >= 1,
    )
    assert await counted(sessionmaker, units) == [0, 1]
    dead = await read_topic(broker, DLQ, at_least=1)
    assert len(dead) == 1
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["dlq_error_type"] == "InvalidEnvelope"
    assert unknown in headers["dlq_error"]
    assert headers["ce_type"] == unknown


async def test_event_type_without_a_handler_is_skipped_and_said_once(
    broker: Broker,
    reporting: Any,
    producer: AIOKafkaProducer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, sessionmaker = reporting
    caplog.set_level(logging.INFO, logger="eventbus.consumer")
    unit_id = uuid.uuid4()
    # A type the contracts know, which this consumer has no handler for.
    other = RatingSubmitted.event_type
    await publish(
        broker,
        [
            event_record(visit(uuid.uuid4()), event_type=other),
            event_record(visit(uuid.uuid4()), event_type=other),
            event_record(visit(unit_id)),
        ],
    )
    name = consumer_name()
    consumer = make_consumer(
        broker, sessionmaker, producer, name, handlers={VisitStarted: on_visit_started}
    )
    await run_until(
        consumer, lambda: consumed(name, "processed") >= 1 and consumed(name, "ignored") >= 2
    )
    assert await counted(sessionmaker, [unit_id]) == [1]
    assert consumed(name, "dead_lettered") == 0
    said = [r.getMessage() for r in caplog.records if "skips" in r.getMessage()]
    assert len(said) == 1, said
    assert other in said[0]
    assert name in said[0]
