"""Prometheus metrics of the event bus."""

from prometheus_client import Counter

PUBLISHED = Counter("congvu_outbox_published_total", "Outbox rows published", ["source"])
CONSUMED = Counter(
    "congvu_consumer_events_total",
    "Events read by a consumer, by outcome",
    ["consumer", "outcome"],
)
BROKER_RESETS = Counter(
    "congvu_broker_resets_total", "Times a relay or consumer found the broker emptied", ["who"]
)
