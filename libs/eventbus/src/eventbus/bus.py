"""One service's connection to the bus: producer, relay and consumers, kept running."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from eventbus.consumer import EventConsumer, Handlers
from eventbus.relay import OutboxRelay
from eventbus.topics import PROBE_TOPIC, all_topics, ensure_topics, forbid_auto_creation
from servicekit.config import ServiceSettings

log = logging.getLogger(__name__)
RESTART_BACKOFF_MAX_S = 10.0


@dataclass(frozen=True)
class Subscription:
    """A consumer this service runs: its name (its consumer group and inbox key) and handlers.

    It reads the topics its handlers' event classes travel on.
    """

    name: str
    handlers: Handlers


def create_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """Return the producer a service's relay and consumers share (not started)."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        request_timeout_ms=15_000,
        max_request_size=4 * 1024 * 1024,
    )


class EventBus:
    """Starts in the background, so a service accepts requests while the broker is away."""

    def __init__(
        self,
        settings: ServiceSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        relay: bool = True,
        subscriptions: tuple[Subscription, ...] = (),
    ) -> None:
        forbid_auto_creation()
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.with_relay = relay
        self.subscriptions = subscriptions
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._starter: asyncio.Task[None] | None = None

    async def ensure_topics(self) -> None:
        """Create every CongVu topic that is missing."""
        await ensure_topics(
            self.settings.kafka_bootstrap_servers,
            [*all_topics(), PROBE_TOPIC],
            partitions=self.settings.kafka_topic_partitions,
            replication_factor=self.settings.kafka_replication_factor,
        )

    def start(self) -> None:
        """Connect in the background, retrying until the broker answers."""
        self._starter = asyncio.create_task(self._start(), name="eventbus-start")

    async def _start(self) -> None:
        s = self.settings
        backoff = 0.2
        while True:
            producer = create_producer(s)
            try:
                await producer.start()
                await self.ensure_topics()
                break
            except Exception as exc:
                await producer.stop()
                log.warning("broker not reachable yet (%r); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RESTART_BACKOFF_MAX_S)
        self.producer = producer
        if self.with_relay:
            self.relay = OutboxRelay(
                name=s.service_name,
                sessionmaker=self.sessionmaker,
                producer=producer,
                bootstrap_servers=s.kafka_bootstrap_servers,
                ensure_topics=self.ensure_topics,
                batch_size=s.relay_batch_size,
                poll_interval_s=s.relay_poll_interval_s,
                probe_interval_s=s.relay_probe_interval_s,
                retention=timedelta(hours=s.outbox_retention_hours),
            )
            self._supervise("relay", lambda: self._run_relay())
        for sub in self.subscriptions:
            self._supervise(f"consumer:{sub.name}", self._consumer_runner(sub))

    async def _run_relay(self) -> None:
        assert self.relay is not None
        await self.relay.run()

    def _consumer_runner(self, sub: Subscription) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            assert self.producer is not None
            consumer = EventConsumer(
                name=sub.name,
                handlers=sub.handlers,
                sessionmaker=self.sessionmaker,
                producer=self.producer,
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                ensure_topics=self.ensure_topics,
                max_attempts=self.settings.consumer_max_attempts,
                retry_backoff_s=self.settings.consumer_retry_backoff_s,
                session_timeout_ms=self.settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=self.settings.kafka_heartbeat_interval_ms,
                fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
                probe_interval_s=self.settings.relay_probe_interval_s,
            )
            self.consumers = [c for c in self.consumers if c.name != sub.name] + [consumer]
            await consumer.run()

        return run

    def _supervise(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        async def supervised() -> None:
            backoff = 0.2
            while True:
                try:
                    await run()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s stopped unexpectedly; restarting in %.1fs", name, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, RESTART_BACKOFF_MAX_S)

        self._tasks.append(asyncio.create_task(supervised(), name=name))

    async def ready(self) -> None:
        """Raise unless connected to the broker and its metadata answers."""
        if self.producer is None:
            raise ConnectionError("not connected to the broker yet")
        await self.producer.client.fetch_all_metadata()

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Let the relay and consumers finish what they hold, then disconnect."""
        if self._starter is not None and not self._starter.done():
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starter
        if self.relay is not None:
            self.relay.stop()
        for consumer in self.consumers:
            consumer.stop()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.producer is not None:
            await self.producer.stop()
