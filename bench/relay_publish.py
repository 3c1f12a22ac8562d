"""Relay publish rate beside a raw aiokafka produce to the same broker, in one run.

`python bench/relay_publish.py [--events 10000]` starts an embedded broker, stages
`--events` VisitStarted rows in a fresh visits outbox (SQLite, and PostgreSQL when
127.0.0.1:5432 answers) and times the relay publishing them all: claim a batch, send it,
mark the acknowledged rows sent. Then it times a raw produce of the same records with the
same producer settings (every `send()` future gathered, nothing read or written in a
database): the ceiling the relay could reach on this broker.
"""

import argparse
import asyncio
import time
import uuid

from busbench import broker, databases, machine
from sqlmodel import select

from contracts.visits import VisitStarted
from eventbus import outbox
from eventbus.bus import create_producer
from eventbus.envelope import to_kafka_headers
from eventbus.outbox import OutboxMessage
from eventbus.relay import OutboxRelay
from servicekit.config import ServiceSettings
from servicekit.db import create_engine, create_sessionmaker
from servicekit.times import utcnow

STAGE_CHUNK = 1_000


async def stage(url: str, events: int) -> None:
    """Write `events` outbox rows, keyed over many visits, in a few transactions."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    visits = [uuid.uuid4() for _ in range(500)]
    units = [uuid.uuid4() for _ in range(200)]
    try:
        for start in range(0, events, STAGE_CHUNK):
            async with sessionmaker() as session, session.begin():
                for i in range(start, min(start + STAGE_CHUNK, events)):
                    event = VisitStarted(
                        visit_id=visits[i % len(visits)],
                        unit_id=units[i % len(units)],
                        started_at=utcnow(),
                    )
                    outbox.add(session, event, source="/congvu/visits")
    finally:
        await engine.dispose()


async def relay_rate(settings: ServiceSettings) -> tuple[float, list[OutboxMessage]]:
    """Publish the whole outbox with the relay; return rows per second and the rows."""
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    producer = create_producer(settings)
    await producer.start()

    async def nothing() -> None:
        return None

    relay = OutboxRelay(
        name=settings.service_name,
        sessionmaker=sessionmaker,
        producer=producer,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        ensure_topics=nothing,
        batch_size=settings.relay_batch_size,
    )
    try:
        await relay.check_broker()
        started = time.perf_counter()
        published = 0
        while batch := await relay.publish_batch():
            published += batch
        elapsed = time.perf_counter() - started
        async with sessionmaker() as session:
            rows = list((await session.scalars(select(OutboxMessage))).all())
    finally:
        await relay.close()
        await producer.stop()
        await engine.dispose()
    return published / elapsed, rows


async def raw_rate(settings: ServiceSettings, rows: list[OutboxMessage]) -> float:
    """Produce the same records straight from memory; return records per second."""
    producer = create_producer(settings)
    await producer.start()
    try:
        await producer.partitions_for(rows[0].topic)
        started = time.perf_counter()
        sends = [
            await producer.send(
                row.topic,
                value=row.payload.encode(),
                key=row.key.encode(),
                headers=to_kafka_headers(row.headers),
            )
            for row in rows
        ]
        await asyncio.gather(*sends)
        return len(rows) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def main(events: int) -> None:
    """Measure each database against the same broker."""
    print(f"relay publish, {events} events, embedded broker ({machine()})")
    async with broker() as bootstrap, databases("visits") as found:
        for backend, url in found:
            settings = ServiceSettings(
                service_name="visits", database_url=url, kafka_bootstrap_servers=bootstrap
            )
            await stage(url, events)
            relay, rows = await relay_rate(settings)
            raw = await raw_rate(settings, rows)
            print(
                f"  {backend}: relay {relay:,.0f} events/s (batches of "
                f"{settings.relay_batch_size}); raw produce {raw:,.0f} records/s; "
                f"relay at {relay / raw:.0%} of raw"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().events))
