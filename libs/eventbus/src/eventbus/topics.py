"""Topics are created explicitly, with configured partitions, never left to auto-creation."""

import logging
from collections.abc import Iterable

import aiokafka.admin.client
import aiokafka.client
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.protocol.metadata import MetadataRequest

from contracts.topics import TOPICS, dead_letter_topic

# Markers let relays notice a broker that came back empty; one compacted record per relay.
PROBE_TOPIC = "congvu.relay-probes.v1"
TOPIC_ALREADY_EXISTS = 36
log = logging.getLogger(__name__)


class _MetadataRequestNoAutoCreation(MetadataRequest):  # type: ignore[misc]
    """A metadata request that never asks the broker to create the topics it names."""

    def __init__(
        self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = None
    ) -> None:
        super().__init__(topics, allow_auto_topic_creation=bool(allow_auto_topic_creation))


def forbid_auto_creation() -> None:
    """Make aiokafka clients in this process ask for metadata without creating topics.

    aiokafka always sets allow_auto_topic_creation, with no setting to turn it off, so a
    consumer subscribed to (or a producer sending to) a topic a reset broker no longer has
    would recreate it with the broker's default partition count (4 on the embedded broker),
    moving keys to other partitions. Topics are created by ensure_topics() only; Kafka
    clusters also set auto.create.topics.enable=false.
    """
    aiokafka.client.MetadataRequest = _MetadataRequestNoAutoCreation
    aiokafka.admin.client.MetadataRequest = _MetadataRequestNoAutoCreation


def all_topics() -> list[str]:
    """Return every topic CongVu uses: event topics, their dead-letter topics."""
    return [*TOPICS, *(dead_letter_topic(t) for t in TOPICS)]


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=t,
                num_partitions=1 if t == PROBE_TOPIC else partitions,
                replication_factor=replication_factor,
                topic_configs={"cleanup.policy": "compact"} if t == PROBE_TOPIC else {},
            )
            for t in topics
            if t not in existing
        ]
        if not wanted:
            return
        response = await admin.create_topics(wanted)
        failed = [
            (name, code, message)
            for name, code, *rest in response.topic_errors
            for message in (rest[0] if rest else None,)
            if code not in (0, TOPIC_ALREADY_EXISTS)
        ]
        if failed:
            raise RuntimeError(f"could not create topics: {failed}")
        log.info("created topics", extra={"topics": [t.name for t in wanted]})
    finally:
        await admin.close()
