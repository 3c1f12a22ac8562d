"""Records for the event bus tests: topics, raw records published, consumers, topics read back."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts.base import Event
from contracts.visits import VisitStarted
from eventbus.consumer import EventConsumer, Handlers
from eventbus.envelope import encode_headers, to_kafka_headers
from eventbus.topics import PROBE_TOPIC, all_topics, ensure_topics
from reporting.handlers import on_visit_started
from servicekit.times import utcnow
from tests.conftest import Broker

PARTITIONS = 3


class Killed(Exception):
    """Stands for the process dying."""


class DiesBeforeOffsetCommit(EventConsumer):
    """A consumer whose process dies right after the DB commit, before the offset commit."""

    async def _commit(self, tp: Any, offset: int) -> None:
        raise Killed


async def create_topics(broker: Broker) -> None:
    """Create every CongVu topic and the probe topic, as a service does at start."""
    await ensure_topics(
        broker.bootstrap, [*all_topics(), PROBE_TOPIC], partitions=PARTITIONS, replication_factor=1
    )


@dataclass
class Record:
    """A record as a relay would publish it (or not quite, for poison)."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def event_record(event: Event, *, event_id: str | None = None, event_type: str = "") -> Record:
    """Return `event` as a binary-mode CloudEvent record, its type optionally replaced."""
    headers = encode_headers(
        event_id=event_id or str(uuid.uuid4()),
        event_type=event_type or event.event_type,
        source="/test",
        time=utcnow(),
        subject=event.key(),
    )
    return Record(
        topic=event.topic,
        key=event.key().encode(),
        value=event.model_dump_json().encode(),
        headers=to_kafka_headers(headers),
    )


def visit(unit_id: uuid.UUID, *, visit_id: uuid.UUID | None = None) -> VisitStarted:
    """A VisitStarted at `unit_id`; give one visit_id to keep events on one partition."""
    return VisitStarted(visit_id=visit_id or uuid.uuid4(), unit_id=unit_id, started_at=utcnow())


async def publish(broker: Broker, records: list[Record]) -> None:
    """Publish records in order, all acknowledged before returning."""
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        for r in records:
            await producer.send_and_wait(r.topic, r.value, key=r.key, headers=r.headers)
    finally:
        await producer.stop()


async def read_topic(
    broker: Broker, topic: str, *, at_least: int = 0, partitions: int = PARTITIONS
) -> list[ConsumerRecord]:
    """Return every record of `topic` (all partitions, each in offset order)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[ConsumerRecord] = []
        idle = 0
        while idle < 3 or len(records) < at_least:
            batch = await consumer.getmany(timeout_ms=300)
            fetched = [r for rs in batch.values() for r in rs]
            records += fetched
            idle = 0 if fetched else idle + 1
        return records
    finally:
        await consumer.stop()


def make_consumer(
    broker: Broker,
    sessionmaker: Any,
    producer: AIOKafkaProducer,
    name: str,
    *,
    handlers: Handlers | None = None,
    cls: type[EventConsumer] = EventConsumer,
    **settings: Any,
) -> EventConsumer:
    """An EventConsumer (of reporting's visit counts, unless told) with the small test timeouts."""
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
        **settings,
    )


def consumer_name() -> str:
    """A fresh consumer name (and group), so tests share no inbox rows or offsets."""
    return f"reporting.test-{uuid.uuid4().hex[:8]}"
