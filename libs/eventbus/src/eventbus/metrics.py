"""Prometheus metrics of the event bus."""

from prometheus_client import Counter, Gauge

PUBLISHED = Counter("congvu_outbox_published_total", "Outbox rows published", ["source"])
PENDING = Gauge("congvu_outbox_pending", "Outbox rows not yet published", ["source"])
CONSUMED = Counter(
    "congvu_consumer_events_total",
    "Events read by a consumer, by outcome",
    ["consumer", "outcome"],
)
BROKER_RESETS = Counter(
    "congvu_broker_resets_total", "Times a relay or consumer found the broker emptied", ["who"]
)
