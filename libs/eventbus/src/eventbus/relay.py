"""The relay: publishes outbox rows in order, marks them sent, and replays them after a reset."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from eventbus import metrics, outbox
from eventbus.envelope import to_kafka_headers
from eventbus.outbox import OutboxMessage, RelayMarker
from eventbus.probe import BrokerProbe, Marker
from eventbus.topics import forbid_auto_creation
from servicekit.times import utcnow

log = logging.getLogger(__name__)
PRUNE_INTERVAL_S = 600.0
# Relays of one PostgreSQL database take turns batch by batch, so per-key order holds.
PUBLISH_LOCK_SQL = text("SELECT pg_try_advisory_xact_lock(hashtext('congvu.outbox.relay'))")


@dataclass(frozen=True, slots=True)
class _Claimed:
    """An outbox row claimed for publishing, as the record it becomes."""

    seq: int
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def _append(batch: Any, row: _Claimed) -> bool:
    """Add the row's record to a record batch; False if the batch is full."""
    metadata = batch.append(key=row.key, value=row.value, timestamp=None, headers=row.headers)
    return metadata is not None


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
        self.probe = BrokerProbe(
            bootstrap_servers=bootstrap_servers,
            producer=producer,
            client_id=f"{name}-relay-probe",
            key=name,
        )
        # The partitioner aiokafka's producer uses by default (murmur2, like Kafka's Java
        # client), applied before sending so each partition's rows can be chained.
        self._partitioner = DefaultPartitioner()
        forbid_auto_creation()

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
            await self.close()

    def stop(self) -> None:
        """Finish the current batch and return from run()."""
        self._stopping = True
        self._wake.set()

    async def close(self) -> None:
        """Disconnect the broker probe (run() does this when it returns)."""
        await self.probe.close()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
        self._wake.clear()

    async def publish_batch(self) -> int:
        """Publish the oldest unpublished rows, mark sent those acknowledged; return how many."""
        failure: Exception | None = None
        async with self.sessionmaker() as session, session.begin():
            query = (
                select(
                    col(OutboxMessage.seq),
                    col(OutboxMessage.topic),
                    col(OutboxMessage.key),
                    col(OutboxMessage.headers),
                    col(OutboxMessage.payload),
                )
                .where(col(OutboxMessage.published_at).is_(None))
                .order_by(col(OutboxMessage.seq))
                .limit(self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                if not await session.scalar(PUBLISH_LOCK_SQL):
                    return 0
                query = query.with_for_update(skip_locked=True)
            claimed: list[_Claimed] = []
            for seq, topic, key, headers, payload in await session.execute(query):
                assert seq is not None
                claimed.append(
                    _Claimed(
                        seq=seq,
                        topic=topic,
                        key=key.encode(),
                        value=payload.encode(),
                        headers=to_kafka_headers(headers),
                    )
                )
            if not claimed:
                return 0
            acknowledged, failure = await self._publish(claimed)
            if acknowledged:
                await session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.seq).in_(acknowledged))
                    .values(published_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
        metrics.PUBLISHED.labels(self.name).inc(len(acknowledged))
        if failure is not None:
            raise failure
        return len(claimed)

    async def _publish(self, rows: list[_Claimed]) -> tuple[list[int], Exception | None]:
        """Send rows, in order per partition; return the acknowledged rows' seqs, and an error.

        A partition's rows go as record batches, each appended whole or not at all, and the
        next batch is sent only once the broker acknowledged the one before: a failed batch
        can never be overtaken by a later one, with or without producer idempotence (aiokafka
        also keeps one request in flight per partition and retries a batch before the next,
        but a batch that expires can still be followed by one that succeeds). Partitions are
        sent in parallel.
        """
        partitions: dict[str, list[int]] = {}
        chains: dict[TopicPartition, list[_Claimed]] = {}
        for row in rows:
            if row.topic not in partitions:
                partitions[row.topic] = sorted(await self.producer.partitions_for(row.topic))
            of_topic = partitions[row.topic]
            tp = TopicPartition(row.topic, self._partitioner(row.key, of_topic, of_topic))
            chains.setdefault(tp, []).append(row)
        results = await asyncio.gather(*(self._publish_chain(tp, c) for tp, c in chains.items()))
        acknowledged = [seq for sent, _ in results for seq in sent]
        return acknowledged, next((error for _, error in results if error is not None), None)

    async def _publish_chain(
        self, tp: TopicPartition, rows: list[_Claimed]
    ) -> tuple[list[int], Exception | None]:
        sent: list[int] = []
        batch, members = self.producer.create_batch(), list[int]()
        try:
            for row in rows:
                if not _append(batch, row):
                    await self._send(batch, tp)
                    sent += members
                    batch, members = self.producer.create_batch(), []
                    # An empty batch always takes its first record.
                    _append(batch, row)
                members.append(row.seq)
            await self._send(batch, tp)
            sent += members
        except Exception as exc:
            return sent, exc
        return sent, None

    async def _send(self, batch: Any, tp: TopicPartition) -> None:
        delivered = await self.producer.send_batch(batch, tp.topic, partition=tp.partition)
        await asyncio.wait_for(delivered, self.publish_timeout_s)

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
            row = await session.get(RelayMarker, self.name)
        if row is not None:
            marker = Marker(partition=row.partition, offset=row.offset, nonce=row.nonce)
            if await self.probe.present(marker):
                return
            log.warning("relay %s: broker lost its data; republishing the outbox", self.name)
            metrics.BROKER_RESETS.labels(f"relay:{self.name}").inc()
            await self.ensure_topics()
        await self._write_marker(replay=row is not None)

    async def _write_marker(self, *, replay: bool) -> None:
        marker = await self.probe.leave()
        async with self.sessionmaker() as session, session.begin():
            if replay:
                await session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.published_at).is_not(None))
                    .values(published_at=None)
                )
            row = await session.get(RelayMarker, self.name)
            if row is None:
                row = RelayMarker(
                    relay=self.name, partition=0, offset=0, nonce="", written_at=utcnow()
                )
                session.add(row)
            row.partition, row.offset, row.nonce = marker.partition, marker.offset, marker.nonce
            row.written_at = utcnow()
