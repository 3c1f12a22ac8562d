"""Consumers: inbox-deduplicated handlers, offsets committed after the database commit."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import EVENT_TYPES, Event
from contracts.topics import dead_letter_topic
from eventbus import inbox, metrics
from eventbus.envelope import Envelope, decode

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Any, Envelope], Awaitable[None]]
Handlers = Mapping[type[Event], Handler]
MAX_ERROR_HEADER = 1_000
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets a rebalance wait for the batch in hand, so only owned partitions are committed."""

    def __init__(self, owner: "EventConsumer") -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self.owner.batch_lock:
            self.owner.assigned.clear()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.owner.assigned.set()


class EventConsumer:
    """Reads topics in a consumer group and applies each event once per consumer name."""

    def __init__(
        self,
        *,
        name: str,
        topics: list[str],
        handlers: Handlers,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        bootstrap_servers: str,
        group_id: str | None = None,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.2,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        fetch_max_wait_ms: int = 100,
        max_records: int = 500,
    ) -> None:
        self.name = name
        self.topics = topics
        self.handlers = dict(handlers)
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.max_attempts = max_attempts
        self.retry_backoff_s = retry_backoff_s
        self.max_records = max_records
        self.assigned = asyncio.Event()
        self.batch_lock = asyncio.Lock()
        self._stopping = False
        self._next_offsets: dict[TopicPartition, int] = {}
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id or name,
            client_id=name,
            enable_auto_commit=False,
            # Tansu mishandles "latest"; a new group reads the whole history, the inbox dedupes.
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=heartbeat_interval_ms,
            fetch_max_wait_ms=fetch_max_wait_ms,
        )

    async def run(self) -> None:
        """Consume until stop(); each batch is processed, then its offsets committed."""
        await self.consumer.start()
        try:
            self.consumer.subscribe(self.topics, listener=_Rebalance(self))
            while not self._stopping:
                batches = await self.consumer.getmany(timeout_ms=500, max_records=self.max_records)
                async with self.batch_lock:
                    for tp, records in batches.items():
                        await self._process_partition(tp, records)
                await self._rewind_if_broker_reset()
        finally:
            await self.consumer.stop()

    def stop(self) -> None:
        """Finish the batch in hand, commit it and return from run()."""
        self._stopping = True

    async def _process_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        for record in records:
            if tp not in self.consumer.assignment():
                return
            await self.process(record)
            self._next_offsets[tp] = record.offset + 1
        await self._commit(tp, self._next_offsets[tp])

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        if tp not in self.consumer.assignment():
            return
        try:
            await self.consumer.commit({tp: offset})
        except (CommitFailedError, IllegalStateError) as exc:
            # The partition moved to another member; it resumes from the last commit and
            # the inbox absorbs what is delivered again.
            log.warning("consumer %s: commit of %s skipped: %s", self.name, tp, exc)

    async def _rewind_if_broker_reset(self) -> None:
        """A broker that came back empty reports a highwater below our position: read again."""
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            position = self._next_offsets.get(tp)
            if highwater is not None and position is not None and highwater < position:
                log.warning("consumer %s: %s was emptied; reading it again", self.name, tp)
                metrics.BROKER_RESETS.labels(f"consumer:{self.name}").inc()
                self._next_offsets.pop(tp)
                await self.consumer.seek_to_beginning(tp)

    async def process(self, record: ConsumerRecord) -> None:
        """Apply one record: skip unknown types, dead-letter poison, retry transient errors."""
        try:
            envelope = decode(record.headers, record.value)
        except Exception as exc:
            await self._dead_letter(record, exc)
            return
        event_class = EVENT_TYPES.get(envelope.type)
        handler = self.handlers.get(event_class) if event_class is not None else None
        if event_class is None or handler is None:
            metrics.CONSUMED.labels(self.name, "ignored").inc()
            return
        try:
            event = event_class.model_validate(envelope.data)
        except ValidationError as exc:
            await self._dead_letter(record, exc)
            return
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = await self._apply(handler, event, envelope)
            except Exception as exc:
                if attempt == self.max_attempts:
                    if isinstance(exc, UNAVAILABLE) or not await self._database_answers():
                        # Our own database is down: not the event's fault. Stop without
                        # committing; the supervisor restarts us and the event comes again.
                        raise
                    await self._dead_letter(record, exc)
                    return
                log.warning(
                    "consumer %s: attempt %d at %s failed: %r",
                    self.name,
                    attempt,
                    envelope.id,
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

    async def _apply(self, handler: Handler, event: Event, envelope: Envelope) -> str:
        try:
            async with self.sessionmaker() as session, session.begin():
                if await inbox.seen(session, consumer=self.name, event_id=envelope.id):
                    return "duplicate"
                await handler(session, event, envelope)
                inbox.record(
                    session, consumer=self.name, event_id=envelope.id, event_type=envelope.type
                )
        except IntegrityError:
            # Another member applied the same event concurrently: its inbox row won.
            async with self.sessionmaker() as session:
                if await inbox.seen(session, consumer=self.name, event_id=envelope.id):
                    return "duplicate"
            raise
        return "processed"

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
