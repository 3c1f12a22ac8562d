"""Consumer apply rate with reporting's handlers beside a raw batched insert, in one run.

`python bench/consumer_apply.py [--events 20000] [--rounds 3]` starts an embedded broker,
publishes `--events` events (visits started and citizen ratings over 500 units, on 3
partitions per topic), then for a fresh reporting database (SQLite, and PostgreSQL when
127.0.0.1:5432 answers) runs an EventConsumer with reporting's handlers until it has applied
them all: each fetched batch of a partition in one transaction, inbox rows included, then
its offset committed. The rate counts from the first batch applied to the last, so the
group join and the first fetch (printed apart) are not charged to it. Beside it, the same
database's floor: the same number of inbox rows written by plain batched INSERTs, one
transaction per 500 rows, measured before and after each consumer round (`--rounds`, each a
new consumer group reading every event again); each round's ratio is to the mean of its two
floors, and the medians over the rounds are printed last.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from busbench import broker, databases, machine
from sqlalchemy import insert

from contracts.base import Event
from contracts.feedback import RatingSubmitted
from contracts.visits import VisitStarted
from eventbus import metrics
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


def applied(name: str) -> Callable[[], float]:
    """Return a cheap reader of how many events consumer `name` has applied in this process."""
    counter = metrics.CONSUMED.labels(name, "processed")

    def read() -> float:
        [metric] = counter.collect()
        return next(float(s.value) for s in metric.samples if s.name.endswith("_total"))

    return read


async def consumer_rate(bootstrap: str, url: str, count: int) -> tuple[float, float]:
    """Apply every event with reporting's handlers; return events/s and seconds to the first."""
    engine = create_engine(url)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    name = f"reporting.bench-{uuid.uuid4().hex[:8]}"
    done = applied(name)

    async def topics() -> None:
        await ensure_topics(
            bootstrap, [*all_topics(), PROBE_TOPIC], partitions=3, replication_factor=1
        )

    consumer = EventConsumer(
        name=name,
        handlers=HANDLERS,
        sessionmaker=create_sessionmaker(engine),
        producer=producer,
        bootstrap_servers=bootstrap,
        ensure_topics=topics,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )
    task = asyncio.create_task(consumer.run())

    async def until(reached: Callable[[], bool]) -> float:
        while not reached():
            if task.done():
                task.result()
            await asyncio.sleep(0.002)
        return time.perf_counter()

    try:
        await asyncio.wait_for(consumer.assigned.wait(), 30)
        joined = time.perf_counter()
        first_at = await until(lambda: done() > 0)
        first = done()
        last_at = await until(lambda: done() >= count)
        return (count - first) / (last_at - first_at), first_at - joined
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


async def main(count: int, rounds: int) -> None:
    """Publish once, then measure each database, consumer and floor in alternating rounds."""
    print(f"consumer apply, {count} events, reporting's handlers ({machine()})")
    async with broker() as bootstrap, databases("reporting") as found:
        await publish(bootstrap, events(count))
        for backend, url in found:
            # Each round's consumer is a new group: it reads every event again, and the inbox
            # takes them as new; the units' rows are there from the first round on.
            raws = [await insert_rate(url, count)]
            rates, ratios = [], []
            for n in range(1, rounds + 1):
                rate, first_s = await consumer_rate(bootstrap, url, count)
                raws.append(await insert_rate(url, count))
                raw = (raws[-2] + raws[-1]) / 2
                rates.append(rate)
                ratios.append(rate / raw)
                print(
                    f"  {backend} round {n}: consumer {rate:,.0f} events/s (first batch "
                    f"{first_s:.2f} s after joining); batched INSERT of inbox rows {raw:,.0f} "
                    f"rows/s (before and after: {raws[-2]:,.0f}, {raws[-1]:,.0f}); "
                    f"consumer at {rate / raw:.1%} of it"
                )
            print(
                f"  {backend} median: consumer {statistics.median(rates):,.0f} events/s, "
                f"batched INSERT {statistics.median(raws):,.0f} rows/s, "
                f"consumer at {statistics.median(ratios):.1%} of it"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds))
