"""Consumer apply rate with reporting's handlers beside a raw batched insert, in one run.

`python bench/consumer_apply.py [--events 3000]` starts an embedded broker, publishes
`--events` events (visits started and citizen ratings over 500 units, on 3 partitions per
topic), then for a fresh reporting database (SQLite, and PostgreSQL when 127.0.0.1:5432
answers) times an EventConsumer with reporting's handlers from joining its group until it
has applied them all: each fetched batch of a partition in one transaction, inbox rows
included, then its offset committed. Beside it, the same database's floor: the same number
of inbox rows written by plain batched INSERTs, one transaction per 500 rows.
"""

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaProducer
from busbench import broker, databases, machine
from prometheus_client import REGISTRY
from sqlalchemy import insert

from contracts import Event, RatingSubmitted, VisitStarted
from eventbus.consumer import EventConsumer
from eventbus.envelope import encode_headers, to_kafka_headers
from eventbus.inbox import InboxMessage
from eventbus.topics import PROBE_TOPIC, all_topics, ensure_topics
from reporting.handlers import HANDLERS
from servicekit.db import create_engine, create_sessionmaker
from servicekit.times import utcnow

BATCH = 500


def events(count: int) -> list[Event]:
    """Return `count` events, two visits to one rating, spread over 500 units."""
    units = [uuid.uuid4() for _ in range(500)]
    made: list[Event] = []
    for i in range(count):
        unit_id = units[i % len(units)]
        if i % 3 == 2:
            made.append(
                RatingSubmitted(
                    rating_id=uuid.uuid4(), unit_id=unit_id, score=1 + i % 5, submitted_at=utcnow()
                )
            )
        else:
            made.append(VisitStarted(visit_id=uuid.uuid4(), unit_id=unit_id, started_at=utcnow()))
    return made


async def publish(bootstrap: str, batch: list[Event]) -> None:
    """Publish the events as a relay would (CloudEvents headers, keyed by aggregate)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sends = []
        for event in batch:
            headers = encode_headers(
                event_id=str(uuid.uuid4()),
                event_type=event.event_type,
                source="/bench",
                time=utcnow(),
                subject=event.key(),
            )
            sends.append(
                await producer.send(
                    event.topic,
                    event.model_dump_json().encode(),
                    key=event.key().encode(),
                    headers=to_kafka_headers(headers),
                )
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


def applied(name: str) -> float:
    """Return how many events consumer `name` has applied in this process."""
    sample = REGISTRY.get_sample_value(
        "congvu_consumer_events_total", {"consumer": name, "outcome": "processed"}
    )
    return sample or 0.0


async def consumer_rate(bootstrap: str, url: str, count: int) -> float:
    """Apply every event with reporting's handlers; return events per second."""
    engine = create_engine(url)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    name = f"reporting.bench-{uuid.uuid4().hex[:8]}"

    async def topics() -> None:
        await ensure_topics(
            bootstrap, [*all_topics(), PROBE_TOPIC], partitions=3, replication_factor=1
        )

    consumer = EventConsumer(
        name=name,
        topics=[VisitStarted.topic, RatingSubmitted.topic],
        handlers=HANDLERS,
        sessionmaker=create_sessionmaker(engine),
        producer=producer,
        bootstrap_servers=bootstrap,
        ensure_topics=topics,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(consumer.assigned.wait(), 30)
        started = time.perf_counter()
        while applied(name) < count:
            if task.done():
                task.result()
            await asyncio.sleep(0.1)
        return count / (time.perf_counter() - started)
    finally:
        consumer.stop()
        await task
        await producer.stop()
        await engine.dispose()


async def insert_rate(url: str, count: int) -> float:
    """Write `count` inbox rows with batched INSERTs; return rows per second."""
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        for first in range(0, count, BATCH):
            rows = [
                {
                    "consumer": "bench",
                    "event_id": str(uuid.uuid4()),
                    "event_type": VisitStarted.event_type,
                    "processed_at": utcnow(),
                }
                for _ in range(min(BATCH, count - first))
            ]
            async with engine.begin() as connection:
                await connection.execute(insert(InboxMessage), rows)
        return count / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def main(count: int) -> None:
    """Publish once, then measure each database."""
    print(f"consumer apply, {count} events, reporting's handlers ({machine()})")
    async with broker() as bootstrap, databases("reporting") as found:
        await publish(bootstrap, events(count))
        for backend, url in found:
            consumer = await consumer_rate(bootstrap, url, count)
            raw = await insert_rate(url, count)
            print(
                f"  {backend}: consumer {consumer:,.0f} events/s; batched INSERT of inbox rows "
                f"{raw:,.0f} rows/s; consumer at {consumer / raw:.0%} of it"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3_000)
    asyncio.run(main(parser.parse_args().events))
