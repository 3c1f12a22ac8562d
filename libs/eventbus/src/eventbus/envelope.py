"""CloudEvents 1.0, Kafka protocol binding, binary mode: `ce_*` headers and a JSON body."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SPEC_VERSION = "1.0"
REQUIRED_HEADERS = ("ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time")
Headers = Sequence[tuple[str, bytes | None]]


class InvalidEnvelope(ValueError):
    """The record is not a CloudEvent this bus can read."""


@dataclass(frozen=True)
class Envelope:
    """One event as read from Kafka: its CloudEvents attributes and its JSON data."""

    id: str
    type: str
    source: str
    time: datetime
    subject: str | None
    data: dict[str, Any]


def encode_headers(
    *,
    event_id: str,
    event_type: str,
    source: str,
    time: datetime,
    subject: str | None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Return the header map of a binary-mode CloudEvent."""
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": event_id,
        "ce_source": source,
        "ce_type": event_type,
        "ce_time": time.isoformat(),
        "content-type": "application/json",
    }
    if subject is not None:
        headers["ce_subject"] = subject
    headers.update(extra or {})
    return headers


def to_kafka_headers(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    """Return headers in the form aiokafka sends."""
    return [(k, v.encode()) for k, v in headers.items()]


def decode(headers: Headers, value: bytes | None) -> Envelope:
    """Read a binary-mode CloudEvent; raise InvalidEnvelope when it is not one."""
    if any(v is None for _, v in headers):
        raise InvalidEnvelope("a header has no value")
    try:
        text = {k: v.decode() for k, v in headers if v is not None}
    except UnicodeDecodeError as exc:
        raise InvalidEnvelope(f"header is not UTF-8: {exc}") from None
    missing = [h for h in REQUIRED_HEADERS if not text.get(h)]
    if missing:
        raise InvalidEnvelope(f"missing CloudEvents headers: {', '.join(missing)}")
    if text["ce_specversion"] != SPEC_VERSION:
        raise InvalidEnvelope(f"unsupported ce_specversion {text['ce_specversion']!r}")
    try:
        time = datetime.fromisoformat(text["ce_time"])
    except ValueError:
        raise InvalidEnvelope(f"ce_time is not RFC 3339: {text['ce_time']!r}") from None
    if time.tzinfo is None:
        raise InvalidEnvelope("ce_time has no offset")
    try:
        data = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidEnvelope(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEnvelope("body is not a JSON object")
    return Envelope(
        id=text["ce_id"],
        type=text["ce_type"],
        source=text["ce_source"],
        time=time,
        subject=text.get("ce_subject"),
        data=data,
    )
