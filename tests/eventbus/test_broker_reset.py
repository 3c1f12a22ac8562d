"""A broker that comes back empty: nothing accepted is lost, topics keep their partitions."""

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import murmur2
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.visits import VisitStarted
from eventbus import outbox
from eventbus.consumer import EventConsumer
from eventbus.outbox import OutboxMessage
from eventbus.relay import OutboxRelay
from eventbus.topics import PROBE_TOPIC
from reporting.handlers import on_visit_started
from reporting.models import UnitScore
from servicekit.access import Role
from servicekit.db import create_engine, create_sessionmaker
from servicekit.times import utcnow
from tests.conftest import Broker, DatabaseFactory
from tests.eventbus.records import (
    PARTITIONS,
    consumer_name,
    create_topics,
    event_record,
    make_consumer,
    publish,
    visit,
)
from tests.support.apps import build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import create_visit_body
from tests.support.identity import HOME_ID
from tests.support.reporting import wait_for_scorecard
from tests.support.waiting import eventually


@pytest.fixture
def backend() -> str:
    """Broker faults do not depend on the database: these run on SQLite, the outbox, inbox
    and consumer tests on both (tests/eventbus/test_consumer.py, test_batches.py, test_relay.py)."""
    return "sqlite"


async def partition_counts(broker: Broker) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        described = await admin.describe_topics(names) if names else []
        return {t["topic"]: len(t["partitions"]) for t in described}
    finally:
        await admin.close()


def steady_visit_id() -> uuid.UUID:
    """A visit id on the same partition of 3 as of 4, so a wrongly sized topic hides nothing."""
    while True:
        visit_id = uuid.uuid4()
        if (murmur2(str(visit_id).encode()) & 0x7FFFFFFF) % 12 < 3:
            return visit_id


async def stage_visits(sessionmaker: Any, visit_id: uuid.UUID, units: list[uuid.UUID]) -> None:
    """Write one VisitStarted per unit to the outbox, all keyed by one visit (one partition)."""
    async with sessionmaker() as session, session.begin():
        for unit_id in units:
            event = VisitStarted(visit_id=visit_id, unit_id=unit_id, started_at=utcnow())
            outbox.add(session, event, source="/congvu/visits")


async def counted(sessionmaker: Any, units: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    async with sessionmaker() as session:
        scores = {u: await session.get(UnitScore, u) for u in units}
    return {u: s.visits_started if s else 0 for u, s in scores.items()}


async def test_consumer_holding_a_batch_across_a_reset_misses_nothing_of_the_replay(
    broker: Broker, database: DatabaseFactory
) -> None:
    """The old broker's log had relay duplicates; the replay is shorter, then grows past it."""
    await create_topics(broker)
    visits_engine = create_engine(await database("visits"))
    reporting_engine = create_engine(await database("reporting"))
    visits = create_sessionmaker(visits_engine)
    reporting = create_sessionmaker(reporting_engine)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    relay = OutboxRelay(
        name="visits",
        sessionmaker=visits,
        producer=producer,
        bootstrap_servers=broker.bootstrap,
        ensure_topics=lambda: create_topics(broker),
        batch_size=500,
    )
    visit_id = steady_visit_id()
    blocker, *before = [uuid.uuid4() for _ in range(11)]
    after = [uuid.uuid4() for _ in range(15)]
    held, release = asyncio.Event(), asyncio.Event()

    async def holding(session: AsyncSession, event: VisitStarted) -> None:
        if event.unit_id == blocker and not release.is_set():
            held.set()
            await release.wait()
        await on_visit_started(session, event)

    consumer = EventConsumer(
        name=f"reporting.test-{uuid.uuid4().hex[:8]}",
        handlers={VisitStarted: holding},
        sessionmaker=reporting,
        producer=producer,
        bootstrap_servers=broker.bootstrap,
        ensure_topics=lambda: create_topics(broker),
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
        retry_backoff_s=0.01,
        probe_interval_s=0.5,
    )
    task: asyncio.Task[None] | None = None
    try:
        await relay.check_broker()
        await stage_visits(visits, visit_id, [blocker, *before])
        assert await relay.publish_batch() == 11
        # The relay died after sending, before marking: the old log holds every event twice.
        async with visits() as session, session.begin():
            await session.execute(update(OutboxMessage).values(published_at=None))
        assert await relay.publish_batch() == 11

        task = asyncio.create_task(consumer.run())
        await asyncio.wait_for(held.wait(), 20)
        broker.restart()
        # The relay finds the broker empty and replays its outbox: 11 records, not 22.
        await relay.check_broker()
        assert await relay.publish_batch() == 11
        await stage_visits(visits, visit_id, after)
        assert await relay.publish_batch() == 15
        release.set()

        everyone = [blocker, *before, *after]

        async def all_counted() -> bool:
            return all(n == 1 for n in (await counted(reporting, everyone)).values())

        await eventually(all_counted, timeout_s=30)
        await asyncio.sleep(1.0)
        assert set((await counted(reporting, everyone)).values()) == {1}
        assert not task.done()
    finally:
        release.set()
        consumer.stop()
        if task is not None:
            await asyncio.wait_for(task, 20)
        await relay.close()
        await producer.stop()
        await visits_engine.dispose()
        await reporting_engine.dispose()


class RestartsTheBrokerWhileCommitting(EventConsumer):
    """The broker restarts just before the first offset commit, which reaches the empty one.

    The emptied broker is refilled at once by a replay that differs from the old log. Once a
    heartbeat has found the member unknown, aiokafka commits as generation -1, which a
    broker accepts from a group with no members: the offset lands.
    """

    broker: Broker
    replay: list[Any]

    async def _commit(self, tp: Any, offset: int) -> None:
        if self.replay:
            replay, self.replay = self.replay, []
            self.broker.restart()
            await create_topics(self.broker)
            await publish(self.broker, replay)
            coordinator = self.consumer._coordinator
            await eventually(lambda: asyncio.sleep(0, coordinator.generation == -1))
        await super()._commit(tp, offset)


async def test_offset_committed_into_a_broker_that_just_restarted_is_put_back(
    broker: Broker, database: DatabaseFactory
) -> None:
    await create_topics(broker)
    engine = create_engine(await database("reporting"))
    sessionmaker = create_sessionmaker(engine)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    visit_id = steady_visit_id()
    old = [uuid.uuid4() for _ in range(10)]
    new = [uuid.uuid4() for _ in range(15)]
    await publish(broker, [event_record(visit(u, visit_id=visit_id)) for u in old])
    name = consumer_name()
    consumer = make_consumer(
        broker, sessionmaker, producer, name, cls=RestartsTheBrokerWhileCommitting
    )
    assert isinstance(consumer, RestartsTheBrokerWhileCommitting)
    consumer.broker = broker
    consumer.replay = [event_record(visit(u, visit_id=visit_id)) for u in new]
    task = asyncio.create_task(consumer.run())
    try:

        async def all_counted() -> bool:
            return set((await counted(sessionmaker, old + new)).values()) == {1}

        await eventually(all_counted, timeout_s=30)
        assert not task.done()
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 20)
        await producer.stop()
        await engine.dispose()


async def test_topics_come_back_with_their_declared_partitions_after_a_reset(
    broker: Broker, database: DatabaseFactory
) -> None:
    """Running consumers and relays never let the broker auto-create a topic (4 partitions)."""
    unit_id = str(uuid.uuid4())
    visits_app = build_app(
        "visits", database_url=await database("visits"), bootstrap=broker.bootstrap
    )
    reporting_app = build_app(
        "reporting", database_url=await database("reporting"), bootstrap=broker.bootstrap
    )
    async with serve(visits_app) as visits, serve(reporting_app, Role.NATIONAL) as reporting:
        # A unit of HOME, as the registry would have announced it to visits.
        await announce_unit(
            visits.app, code="U-RESET", parent_id=HOME_ID, unit_id=uuid.UUID(unit_id)
        )
        response = await visits.post("/api/v1/visits/visits", json=create_visit_body(unit_id))
        assert response.status_code == 201, response.text
        await wait_for_scorecard(reporting, unit_id, visits_started=1)
        broker.restart()

        async def visits_topic_back() -> bool:
            return "congvu.visits.v1" in await partition_counts(broker)

        await eventually(visits_topic_back, timeout_s=30)
        response = await visits.post("/api/v1/visits/visits", json=create_visit_body(unit_id))
        assert response.status_code == 201, response.text
        await wait_for_scorecard(reporting, unit_id, visits_started=2, timeout_s=30)
        counts = await partition_counts(broker)
        assert counts.pop(PROBE_TOPIC, 1) == 1
        assert counts
        assert set(counts.values()) == {PARTITIONS}, counts
