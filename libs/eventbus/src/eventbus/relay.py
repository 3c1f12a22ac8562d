"""The relay: publishes outbox rows in order, marks them sent, and replays them after a reset."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from eventbus import metrics, outbox
from eventbus.envelope import to_kafka_headers
from eventbus.outbox import OutboxMessage, RelayMarker
from eventbus.topics import PROBE_TOPIC
from servicekit.times import utcnow

log = logging.getLogger(__name__)
PROBE_FETCH_TIMEOUT_MS = 2_000
PRUNE_INTERVAL_S = 600.0
# Relays of one PostgreSQL database take turns batch by batch, so per-key order holds.
PUBLISH_LOCK_SQL = text("SELECT pg_try_advisory_xact_lock(hashtext('congvu.outbox.relay'))")


class OutboxRelay:
    """Publishes one database's outbox. PostgreSQL allows several at once; SQLite one."""

    def __init__(
        self,
        *,
        name: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        bootstrap_servers: str,
        ensure_topics: Callable[[], Awaitable[None]],
        batch_size: int = 200,
        poll_interval_s: float = 1.0,
        probe_interval_s: float = 2.0,
        retention: timedelta = timedelta(days=7),
        publish_timeout_s: float = 30.0,
    ) -> None:
        self.name = name
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.probe_interval_s = probe_interval_s
        self.retention = retention
        self.publish_timeout_s = publish_timeout_s
        self.ensure_topics = ensure_topics
        self._wake = asyncio.Event()
        self._stopping = False
        self._probe_consumer: AIOKafkaConsumer | None = None

    def wake(self) -> None:
        """Publish soon: a transaction just committed outbox rows."""
        self._wake.set()

    async def run(self) -> None:
        """Publish until stopped; broker errors are retried with backoff, nothing is dropped."""
        outbox.on_commit(self.wake)
        loop = asyncio.get_running_loop()
        next_probe = next_prune = 0.0
        backoff = 0.1
        try:
            while not self._stopping:
                try:
                    if loop.time() >= next_probe:
                        await self.check_broker()
                        next_probe = loop.time() + self.probe_interval_s
                    if loop.time() >= next_prune:
                        await self.prune()
                        next_prune = loop.time() + PRUNE_INTERVAL_S
                    published = await self.publish_batch()
                    backoff = 0.1
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("relay %s cannot publish yet; retrying", self.name, exc_info=True)
                    # After an outage, check the broker kept its data before publishing
                    # anything new, so new events cannot overtake the replay of older ones.
                    next_probe = 0.0
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if published < self.batch_size:
                    await self._idle()
        finally:
            outbox.remove_on_commit(self.wake)
            if self._probe_consumer is not None:
                await self._probe_consumer.stop()

    def stop(self) -> None:
        """Finish the current batch and return from run()."""
        self._stopping = True
        self._wake.set()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
        self._wake.clear()

    async def publish_batch(self) -> int:
        """Publish the oldest unpublished rows and mark them sent; return how many."""
        async with self.sessionmaker() as session, session.begin():
            query = (
                select(OutboxMessage)
                .where(col(OutboxMessage.published_at).is_(None))
                .order_by(col(OutboxMessage.seq))
                .limit(self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                if not await session.scalar(PUBLISH_LOCK_SQL):
                    return 0
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            if not rows:
                return 0
            sends = [
                await self.producer.send(
                    row.topic,
                    value=row.payload.encode(),
                    key=row.key.encode(),
                    headers=to_kafka_headers(row.headers),
                )
                for row in rows
            ]
            await asyncio.wait_for(asyncio.gather(*sends), self.publish_timeout_s)
            now = utcnow()
            for row in rows:
                row.published_at = now
        metrics.PUBLISHED.labels(self.name).inc(len(rows))
        return len(rows)

    async def prune(self) -> int:
        """Delete published rows older than the retention period; return how many."""
        cutoff = utcnow() - self.retention
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                delete(OutboxMessage).where(col(OutboxMessage.published_at) < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def check_broker(self) -> None:
        """Leave a marker on the broker, or check the last one is still there.

        A broker that lost its data (the embedded broker after a restart, or a Kafka
        cluster restored empty) no longer has the marker: the relay then republishes every
        retained row in order, and consumers' inboxes make the replay harmless.
        """
        async with self.sessionmaker() as session:
            marker = await session.get(RelayMarker, self.name)
        if marker is not None and await self._marker_present(marker):
            return
        if marker is not None:
            log.warning("relay %s: broker lost its data; republishing the outbox", self.name)
            metrics.BROKER_RESETS.labels(f"relay:{self.name}").inc()
            await self.ensure_topics()
        await self._write_marker(replay=marker is not None)

    async def _marker_present(self, marker: RelayMarker) -> bool:
        if self._probe_consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                client_id=f"{self.name}-relay-probe",
            )
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._probe_consumer = consumer
        consumer = self._probe_consumer
        tp = TopicPartition(PROBE_TOPIC, marker.partition)
        consumer.assign([tp])
        consumer.seek(tp, marker.offset)
        batch = await consumer.getmany(tp, timeout_ms=PROBE_FETCH_TIMEOUT_MS, max_records=1)
        for record in batch.get(tp, []):
            if record.offset == marker.offset:
                return bool(record.value == marker.nonce.encode())
            return False
        highwater = consumer.highwater(tp)
        if highwater is not None:
            return bool(highwater > marker.offset)
        if PROBE_TOPIC not in await consumer.topics():
            return False
        raise ConnectionError("no answer from the broker to the marker probe")

    async def _write_marker(self, *, replay: bool) -> None:
        nonce = str(uuid.uuid4())
        sent = await self.producer.send_and_wait(
            PROBE_TOPIC, value=nonce.encode(), key=self.name.encode(), partition=0
        )
        async with self.sessionmaker() as session, session.begin():
            if replay:
                await session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.published_at).is_not(None))
                    .values(published_at=None)
                )
            marker = await session.get(RelayMarker, self.name)
            if marker is None:
                marker = RelayMarker(
                    relay=self.name,
                    partition=0,
                    offset=sent.offset,
                    nonce=nonce,
                    written_at=utcnow(),
                )
                session.add(marker)
            else:
                marker.partition, marker.offset, marker.nonce = 0, sent.offset, nonce
                marker.written_at = utcnow()
