"""Markers: records left on the probe topic; one that is gone means the broker lost its data."""

import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from eventbus.topics import PROBE_TOPIC

PROBE_FETCH_TIMEOUT_MS = 2_000


@dataclass(frozen=True)
class Marker:
    """Where a marker record was written, and the nonce it carries."""

    partition: int
    offset: int
    nonce: str


class BrokerProbe:
    """Leaves marker records under one key and tells whether one is still on the broker."""

    def __init__(
        self, *, bootstrap_servers: str, producer: AIOKafkaProducer, client_id: str, key: str
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.producer = producer
        self.client_id = client_id
        self.key = key
        self._consumer: AIOKafkaConsumer | None = None

    async def leave(self) -> Marker:
        """Write a new marker record and return where it is."""
        nonce = str(uuid.uuid4())
        sent = await self.producer.send_and_wait(
            PROBE_TOPIC, value=nonce.encode(), key=self.key.encode(), partition=0
        )
        return Marker(partition=sent.partition, offset=sent.offset, nonce=nonce)

    async def present(self, marker: Marker) -> bool:
        """Tell whether the marker is still on the broker; raise if the broker does not answer."""
        consumer = await self._reader()
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
            # Compaction may have removed the record; a log that reaches past it was kept.
            return bool(highwater > marker.offset)
        if PROBE_TOPIC not in await consumer.topics():
            return False
        raise ConnectionError("no answer from the broker to the marker probe")

    async def close(self) -> None:
        """Disconnect the reader, if it was started."""
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()

    async def _reader(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                client_id=self.client_id,
            )
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._consumer = consumer
        return self._consumer
