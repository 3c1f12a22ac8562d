"""The relay: pipelined sends in per-key order; rows marked sent only once acknowledged."""

import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from eventbus import outbox
from eventbus.outbox import OutboxMessage
from eventbus.relay import OutboxRelay
from servicekit.db import create_engine, create_sessionmaker
from tests.conftest import Broker, DatabaseFactory
from tests.eventbus.records import PARTITIONS, create_topics, read_topic, visit

TOPIC = "congvu.visits.v1"


class RefusesSecondBatch(AIOKafkaProducer):  # type: ignore[misc]
    """A producer whose second record batch to one partition fails, as on a broker timeout."""

    def __init__(self, *, partition: int, **settings: Any) -> None:
        super().__init__(**settings)
        self.partition = partition
        self.batches = 0

    async def send_batch(self, batch: Any, topic: str, *, partition: int) -> Any:
        if (topic, partition) == (TOPIC, self.partition):
            self.batches += 1
            if self.batches == 2:
                raise KafkaTimeoutError("no acknowledgement")
        return await super().send_batch(batch, topic, partition=partition)


def partition_of(key: str) -> int:
    everyone = list(range(PARTITIONS))
    return int(DefaultPartitioner()(key.encode(), everyone, everyone))


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await database("visits"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def stage(
    sessionmaker: async_sessionmaker[AsyncSession], visit_ids: list[uuid.UUID], count: int
) -> dict[str, list[str]]:
    """Stage `count` VisitStarted round-robin over the visits; return unit ids per key, in order."""
    staged: dict[str, list[str]] = defaultdict(list)
    async with sessionmaker() as session, session.begin():
        for i in range(count):
            event = visit(uuid.uuid4(), visit_id=visit_ids[i % len(visit_ids)])
            outbox.add(session, event, source="/congvu/visits")
            staged[event.key()].append(str(event.unit_id))
    return staged


def per_key(records: list[Any]) -> dict[str, list[str]]:
    got: dict[str, list[str]] = defaultdict(list)
    for r in records:
        got[r.key.decode()].append(json.loads(r.value)["unit_id"])
    return got


def make_relay(
    broker: Broker, sessionmaker: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer
) -> OutboxRelay:
    return OutboxRelay(
        name="visits",
        sessionmaker=sessionmaker,
        producer=producer,
        bootstrap_servers=broker.bootstrap,
        ensure_topics=lambda: create_topics(broker),
        batch_size=250,
    )


async def test_relay_publishes_each_keys_events_in_order(
    broker: Broker, visits: async_sessionmaker[AsyncSession]
) -> None:
    await create_topics(broker)
    # Small record batches: each partition's share of a claim takes several of them.
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", max_batch_size=4096)
    await producer.start()
    relay = make_relay(broker, visits, producer)
    try:
        staged = await stage(visits, [uuid.uuid4() for _ in range(12)], 600)
        published = 0
        while n := await relay.publish_batch():
            published += n
        assert published == 600
        assert per_key(await read_topic(broker, TOPIC, at_least=600)) == staged
        async with visits() as session:
            unsent = await session.scalars(
                select(OutboxMessage).where(col(OutboxMessage.published_at).is_(None))
            )
            assert unsent.all() == []
    finally:
        await relay.close()
        await producer.stop()


async def test_failed_batch_is_never_overtaken_and_only_acknowledged_rows_are_marked(
    broker: Broker, visits: async_sessionmaker[AsyncSession]
) -> None:
    await create_topics(broker)
    visit_ids = [uuid.uuid4() for _ in range(12)]
    failing = partition_of(str(visit_ids[0]))
    producer = RefusesSecondBatch(
        partition=failing, bootstrap_servers=broker.bootstrap, acks="all", max_batch_size=4096
    )
    await producer.start()
    relay = make_relay(broker, visits, producer)
    try:
        staged = await stage(visits, visit_ids, 240)
        with pytest.raises(KafkaTimeoutError):
            await relay.publish_batch()
        async with visits() as session:
            rows = (
                await session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.seq)))
            ).all()
        sent = [r.published_at is not None for r in rows if partition_of(r.key) == failing]
        # The partition's first batch was acknowledged and marked; nothing after the failed one
        # was sent, and every other partition's rows went out.
        assert sent[0]
        assert not sent[-1]
        assert sent == sorted(sent, reverse=True)
        assert all(r.published_at is not None for r in rows if partition_of(r.key) != failing)
        on_log = [r for r in await read_topic(broker, TOPIC) if r.partition == failing]
        assert len(on_log) == sum(sent)

        while await relay.publish_batch():
            pass
        # Nothing was published twice, and each key's events are in order.
        assert per_key(await read_topic(broker, TOPIC, at_least=240)) == staged
    finally:
        await relay.close()
        await producer.stop()
