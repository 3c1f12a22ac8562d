"""The consumer on its own: crash between DB commit and offset commit, retries, its topics."""

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import topics
from contracts.visits import VisitStarted
from eventbus.consumer import EventConsumer, Handlers
from eventbus.envelope import encode_headers, to_kafka_headers
from reporting.handlers import SUBSCRIPTIONS, on_visit_started
from reporting.models import UnitScore
from servicekit.db import create_engine, create_sessionmaker
from servicekit.times import utcnow
from tests.conftest import Broker, DatabaseFactory
from tests.eventbus.records import DiesBeforeOffsetCommit, Killed, create_topics
from tests.support.reporting import consumed
from tests.support.waiting import eventually


async def publish_visit(broker: Broker, unit_id: uuid.UUID) -> None:
    event = VisitStarted(visit_id=uuid.uuid4(), unit_id=unit_id, started_at=utcnow())
    headers = encode_headers(
        event_id=str(uuid.uuid4()),
        event_type=event.event_type,
        source="/test",
        time=utcnow(),
        subject=event.key(),
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            event.topic,
            event.model_dump_json().encode(),
            key=event.key().encode(),
            headers=to_kafka_headers(headers),
        )
    finally:
        await producer.stop()


async def visits_counted(sessionmaker: Any, unit_id: uuid.UUID) -> int:
    async with sessionmaker() as session:
        score = await session.get(UnitScore, unit_id)
        return score.visits_started if score else 0


async def make_consumer(
    cls: type[EventConsumer],
    broker: Broker,
    sessionmaker: Any,
    producer: AIOKafkaProducer,
    name: str,
    handlers: Handlers | None = None,
) -> EventConsumer:
    return cls(
        name=name,
        handlers=handlers or {VisitStarted: on_visit_started},
        sessionmaker=sessionmaker,
        producer=producer,
        bootstrap_servers=broker.bootstrap,
        ensure_topics=lambda: create_topics(broker),
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
        retry_backoff_s=0.01,
    )


async def test_consumer_killed_between_db_commit_and_offset_commit_has_no_second_effect(
    broker: Broker, database: DatabaseFactory
) -> None:
    await create_topics(broker)
    engine = create_engine(await database("reporting"))
    sessionmaker = create_sessionmaker(engine)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    name = f"reporting.test-{uuid.uuid4().hex[:8]}"
    unit_id = uuid.uuid4()
    try:
        await publish_visit(broker, unit_id)
        dying = await make_consumer(DiesBeforeOffsetCommit, broker, sessionmaker, producer, name)
        try:
            await asyncio.wait_for(dying.run(), 30)
            raise AssertionError("the consumer should have died")
        except Killed:
            pass
        assert await visits_counted(sessionmaker, unit_id) == 1

        survivor = await make_consumer(EventConsumer, broker, sessionmaker, producer, name)
        task = asyncio.create_task(survivor.run())
        await eventually(lambda: asyncio.sleep(0, consumed(name, "duplicate") >= 1))
        survivor.stop()
        await task
        assert await visits_counted(sessionmaker, unit_id) == 1
    finally:
        await producer.stop()
        await engine.dispose()


async def test_transient_error_is_retried_in_place(
    broker: Broker, database: DatabaseFactory
) -> None:
    await create_topics(broker)
    engine = create_engine(await database("reporting"))
    sessionmaker = create_sessionmaker(engine)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    name = f"reporting.test-{uuid.uuid4().hex[:8]}"
    unit_id = uuid.uuid4()
    failures = 2

    async def flaky(session: AsyncSession, event: VisitStarted) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise RuntimeError("lock timeout")
        await on_visit_started(session, event)

    try:
        await publish_visit(broker, unit_id)
        consumer = await make_consumer(
            EventConsumer, broker, sessionmaker, producer, name, handlers={VisitStarted: flaky}
        )
        task = asyncio.create_task(consumer.run())
        await eventually(lambda: asyncio.sleep(0, consumed(name, "processed") >= 1))
        consumer.stop()
        await task
        assert failures == 0
        assert await visits_counted(sessionmaker, unit_id) == 1
        assert consumed(name, "dead_lettered") == 0
    finally:
        await producer.stop()
        await engine.dispose()


async def test_valid_event_is_not_dead_lettered_while_the_database_is_down(
    broker: Broker,
) -> None:
    await create_topics(broker)
    # Nothing listens on port 1: every transaction fails as if the database were down.
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    sessionmaker = create_sessionmaker(engine)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    name = f"reporting.test-{uuid.uuid4().hex[:8]}"
    try:
        await publish_visit(broker, uuid.uuid4())
        consumer = await make_consumer(EventConsumer, broker, sessionmaker, producer, name)
        with pytest.raises(ConnectionRefusedError):
            await asyncio.wait_for(consumer.run(), 30)
        assert consumed(name, "dead_lettered") == 0
    finally:
        await producer.stop()
        await engine.dispose()


def test_a_subscription_reads_the_topics_of_the_events_it_handles() -> None:
    (scorecards,) = SUBSCRIPTIONS
    unused: Any = None
    consumer = EventConsumer(
        name=scorecards.name,
        handlers=scorecards.handlers,
        sessionmaker=unused,
        producer=unused,
        bootstrap_servers="127.0.0.1:1",
        ensure_topics=unused,
    )
    assert consumer.topics == sorted([topics.AUDIT, topics.FEEDBACK, topics.PLANS, topics.VISITS])
    # The subscription's name is the consumer group: renaming it would lose committed offsets.
    assert consumer.group_id == "reporting.scorecards"
