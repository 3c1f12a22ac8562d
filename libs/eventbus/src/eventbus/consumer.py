"""Consumers: a partition's batch applied in one transaction, offsets committed after it."""

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pydantic import ValidationError
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from contracts.base import Event
from contracts.registry import EVENT_TYPES
from contracts.topics import dead_letter_topic
from eventbus import inbox, metrics
from eventbus.envelope import Envelope, InvalidEnvelope, decode
from eventbus.probe import BrokerProbe, Marker
from eventbus.topics import forbid_auto_creation

log = logging.getLogger(__name__)

# `async def on_x(session, event: X) -> None`, applied in the transaction that claims the event.
Handler = Callable[[AsyncSession, Any], Awaitable[None]]
# One line per event class handled; the classes' topics are the ones the consumer reads.
Handlers = Mapping[type[Event], Handler]
MAX_ERROR_HEADER = 1_000
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)
_DEFERRED = "eventbus.deferred"


class Deferred(Protocol):
    """Effects handlers gather in a transaction, written at once just before it commits."""

    def write(self, session: Session) -> None:
        """Write what was gathered (synchronously: SQLAlchemy runs it inside the commit)."""


D = TypeVar("D", bound=Deferred)


def deferred(session: AsyncSession, kind: type[D]) -> D:
    """Return the transaction's `kind` of gathered effects, made on first use."""
    # Its write() runs once, after every handler of the transaction (a whole batch, or the
    # one event applied alone) and before the commit, so both paths write the same way; what
    # a transaction gathered is dropped if it rolls back.
    gathered: dict[type[Deferred], Deferred] | None = session.info.get(_DEFERRED)
    if gathered is None:
        gathered = session.info[_DEFERRED] = {}
        sa_event.listen(session.sync_session, "before_commit", _write_deferred)
        sa_event.listen(session.sync_session, "after_transaction_end", _drop_deferred)
    found = gathered.get(kind)
    if found is None:
        found = gathered[kind] = kind()
    return cast(D, found)


def _write_deferred(session: Session) -> None:
    if session.in_nested_transaction():
        return
    gathered: dict[type[Deferred], Deferred] = session.info[_DEFERRED]
    for effects in list(gathered.values()):
        effects.write(session)
    gathered.clear()


def _drop_deferred(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info[_DEFERRED].clear()


@dataclass(frozen=True)
class _Delivery:
    """A record that decoded into an event this consumer handles."""

    record: ConsumerRecord
    handler: Handler
    event: Event
    envelope: Envelope


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets a rebalance wait for the batch in hand, so only owned partitions are committed."""

    def __init__(self, owner: "EventConsumer") -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self.owner.batch_lock:
            self.owner.assigned.clear()
            for tp in revoked:
                self.owner.uncommitted.pop(tp, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.owner.assigned.set()


class EventConsumer:
    """Reads its handlers' topics in a consumer group and applies each event once per name.

    Offsets are committed only while the marker this consumer left on the broker before
    joining is still there: a broker that came back empty never receives an offset
    learned from its former self. The consumer then joins again with a fresh client and
    reads from the start; the inbox absorbs what it already applied.
    """

    def __init__(
        self,
        *,
        name: str,
        handlers: Handlers,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        bootstrap_servers: str,
        ensure_topics: Callable[[], Awaitable[None]],
        group_id: str | None = None,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.2,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        fetch_max_wait_ms: int = 100,
        max_records: int = 500,
        probe_interval_s: float = 2.0,
    ) -> None:
        forbid_auto_creation()
        self.name = name
        self.topics = sorted({cls.topic for cls in handlers})
        self.routes = {cls.event_type: (cls, handler) for cls, handler in handlers.items()}
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.bootstrap_servers = bootstrap_servers
        self.ensure_topics = ensure_topics
        self.group_id = group_id or name
        self.max_attempts = max_attempts
        self.retry_backoff_s = retry_backoff_s
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.max_records = max_records
        self.probe_interval_s = probe_interval_s
        self.assigned = asyncio.Event()
        self.batch_lock = asyncio.Lock()
        # Next offsets applied but not yet committed, per partition.
        self.uncommitted: dict[TopicPartition, int] = {}
        self.probe = BrokerProbe(
            bootstrap_servers=bootstrap_servers,
            producer=producer,
            client_id=f"{name}-probe",
            key=f"consumer:{name}:{uuid.uuid4()}",
        )
        self._kafka: AIOKafkaConsumer | None = None
        self._marker: Marker | None = None
        self._skipped_types: set[str] = set()
        self._stopping = False

    @property
    def consumer(self) -> AIOKafkaConsumer:
        """The Kafka consumer of the current membership."""
        if self._kafka is None:
            raise RuntimeError(f"consumer {self.name} is not running")
        return self._kafka

    async def run(self) -> None:
        """Consume until stop(); after a broker reset, join again and read from the start."""
        try:
            while not self._stopping:
                await self._join()
                try:
                    await self._consume()
                finally:
                    kafka, self._kafka = self._kafka, None
                    if kafka is not None:
                        await kafka.stop()
        finally:
            await self.probe.close()

    def stop(self) -> None:
        """Finish the batch in hand, commit it and return from run()."""
        self._stopping = True

    async def _join(self) -> None:
        # Topics first: a group joined while they are missing gets no partitions, and the
        # embedded broker keeps that empty assignment when the same member joins again.
        await self.ensure_topics()
        # The marker precedes every record this membership fetches, so while it is there
        # those records came from the broker that now receives the commits.
        self._marker = await self.probe.leave()
        self.uncommitted.clear()
        kafka = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group_id,
            client_id=self.name,
            enable_auto_commit=False,
            # Tansu mishandles "latest"; a new group reads the whole history, the inbox dedupes.
            auto_offset_reset="earliest",
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )
        try:
            await kafka.start()
        except BaseException:
            await kafka.stop()
            raise
        self._kafka = kafka
        kafka.subscribe(self.topics, listener=_Rebalance(self))

    async def _consume(self) -> None:
        """Apply and commit batches until stop(), or return when the broker lost its data."""
        loop = asyncio.get_running_loop()
        next_check = loop.time() + self.probe_interval_s
        # Partitions committed since the marker was last seen: if it turns out to be gone,
        # those commits may have reached the emptied broker.
        unverified: set[TopicPartition] = set()
        while not self._stopping:
            batches = await self.consumer.getmany(timeout_ms=500, max_records=self.max_records)
            async with self.batch_lock:
                for tp, records in batches.items():
                    if tp in self.consumer.assignment():
                        await self._apply_partition(records)
                        self.uncommitted[tp] = records[-1].offset + 1
                if not self.uncommitted and not unverified and loop.time() < next_check:
                    continue
                next_check = loop.time() + self.probe_interval_s
                kept = await self._broker_kept_data()
                if kept:
                    unverified.clear()
                    committed, self.uncommitted = self.uncommitted, {}
                    for tp, offset in committed.items():
                        await self._commit(tp, offset)
                    unverified.update(committed)
                    # Seen again right after, so a restart during the commit is noticed now.
                    kept = await self._broker_kept_data() if committed else True
                    if kept:
                        unverified.clear()
                if kept is False:
                    # Put offsets that may have reached the emptied broker back to the start
                    # before anyone resumes from them; then join again.
                    for tp in unverified:
                        await self._commit(tp, 0)
                    return

    async def _broker_kept_data(self) -> bool | None:
        """Tell whether this membership's marker is still there; None if the broker is away."""
        assert self._marker is not None
        try:
            present = await self.probe.present(self._marker)
        except (KafkaError, ConnectionError, OSError) as exc:
            log.warning("consumer %s: broker probe failed (%r); commit deferred", self.name, exc)
            return None
        if not present:
            log.warning(
                "consumer %s: the broker lost its data; joining again, reading from the start",
                self.name,
            )
            metrics.BROKER_RESETS.labels(f"consumer:{self.name}").inc()
        return present

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        if tp not in self.consumer.assignment():
            return
        try:
            await self.consumer.commit({tp: offset})
        except (CommitFailedError, IllegalStateError) as exc:
            # The partition moved to another member; it resumes from the last commit and
            # the inbox absorbs what is delivered again.
            log.warning("consumer %s: commit of %s skipped: %s", self.name, tp, exc)

    async def _apply_partition(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply one partition's records: together if they can, else one at a time."""
        deliveries = [d for r in records if (d := await self._prepare(r)) is not None]
        if len(deliveries) > 1:
            try:
                outcomes = await self._apply_together(deliveries)
            except Exception as exc:
                log.info(
                    "consumer %s: a batch of %d events failed (%r); applying them one by one",
                    self.name,
                    len(deliveries),
                    exc,
                )
            else:
                for outcome, count in Counter(outcomes).items():
                    metrics.CONSUMED.labels(self.name, outcome).inc(count)
                return
        for delivery in deliveries:
            await self._apply_with_retries(delivery)

    async def _prepare(self, record: ConsumerRecord) -> _Delivery | None:
        """Decode a record; dead-letter poison, skip types this consumer does not handle."""
        try:
            envelope = decode(record.headers, record.value)
            route = self.routes.get(envelope.type)
            if route is None and envelope.type not in EVENT_TYPES:
                raise InvalidEnvelope(f"no contract has the event type {envelope.type!r}")
        except Exception as exc:
            await self._dead_letter(record, exc)
            return None
        if route is None:
            # Another consumer's event, or one this one does not need: not an error.
            metrics.CONSUMED.labels(self.name, "ignored").inc()
            if envelope.type not in self._skipped_types:
                self._skipped_types.add(envelope.type)
                log.info("consumer %s skips %s events: no handler", self.name, envelope.type)
            return None
        cls, handler = route
        try:
            event = cls.model_validate(envelope.data)
        except ValidationError as exc:
            await self._dead_letter(record, exc)
            return None
        return _Delivery(record=record, handler=handler, event=event, envelope=envelope)

    async def _apply_together(self, deliveries: Sequence[_Delivery]) -> list[str]:
        """Claim events in the inbox and apply them in one transaction; return their outcomes."""
        async with self.sessionmaker() as session, session.begin():
            claimed = await inbox.claim(
                session,
                consumer=self.name,
                events=[(d.envelope.id, d.envelope.type) for d in deliveries],
            )
            outcomes = []
            for d in deliveries:
                if d.envelope.id in claimed:
                    # Once: a second copy in the same batch is a duplicate.
                    claimed.remove(d.envelope.id)
                    await d.handler(session, d.event)
                    outcomes.append("processed")
                else:
                    outcomes.append("duplicate")
        return outcomes

    async def _apply_with_retries(self, delivery: _Delivery) -> None:
        """Apply one event: retry transient errors, dead-letter it if it keeps failing."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = await self._apply_alone(delivery)
            except Exception as exc:
                if attempt == self.max_attempts:
                    if isinstance(exc, UNAVAILABLE) or not await self._database_answers():
                        # Our own database is down: not the event's fault. Stop without
                        # committing; the supervisor restarts us and the event comes again.
                        raise
                    await self._dead_letter(delivery.record, exc)
                    return
                log.warning(
                    "consumer %s: attempt %d at %s failed: %r",
                    self.name,
                    attempt,
                    delivery.envelope.id,
                    exc,
                )
                await asyncio.sleep(self.retry_backoff_s * 2 ** (attempt - 1))
            else:
                metrics.CONSUMED.labels(self.name, outcome).inc()
                return

    async def _database_answers(self) -> bool:
        try:
            async with self.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def _apply_alone(self, delivery: _Delivery) -> str:
        try:
            [outcome] = await self._apply_together([delivery])
        except IntegrityError:
            # An effect collided with another member's (both made the same row). If that member
            # applied this very event, its claim won; otherwise a retry finds the row made.
            async with self.sessionmaker() as session:
                if await inbox.seen(session, consumer=self.name, event_id=delivery.envelope.id):
                    return "duplicate"
            raise
        return outcome

    async def _dead_letter(self, record: ConsumerRecord, error: Exception) -> None:
        log.error(
            "consumer %s: %s[%d]@%d dead-lettered: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            error,
        )
        headers = [
            *record.headers,
            ("dlq_origin_topic", record.topic.encode()),
            ("dlq_origin_partition", str(record.partition).encode()),
            ("dlq_origin_offset", str(record.offset).encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_error_type", type(error).__name__.encode()),
            ("dlq_error", str(error)[:MAX_ERROR_HEADER].encode()),
        ]
        await self.producer.send_and_wait(
            dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
        )
        metrics.CONSUMED.labels(self.name, "dead_lettered").inc()
