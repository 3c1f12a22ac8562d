"""Build the AsyncAPI 3 document from the event models: `python -m contracts.asyncapi`."""

import sys
from collections import defaultdict
from typing import Any

import yaml

from contracts.registry import EVENT_TYPES
from contracts.topics import TOPICS, dead_letter_topic

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 Kafka protocol binding, binary mode.",
    "required": ["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time"],
    "properties": {
        "ce_id": {"type": "string", "description": "Event id (UUID); consumers deduplicate on it."},
        "ce_source": {"type": "string", "examples": ["/congvu/plans"]},
        "ce_type": {"type": "string", "description": "Event type; its suffix is the version."},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The aggregate id, also the record key."},
        "content-type": {"type": "string", "const": "application/json"},
        "x-request-id": {"type": "string", "description": "Request that caused the event."},
        "traceparent": {"type": "string", "description": "W3C trace context."},
    },
}

DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The original record's headers plus where it came from and why it failed.",
    "properties": {
        "dlq_origin_topic": {"type": "string"},
        "dlq_origin_partition": {"type": "string"},
        "dlq_origin_offset": {"type": "string"},
        "dlq_consumer": {"type": "string"},
        "dlq_error_type": {"type": "string"},
        "dlq_error": {"type": "string"},
    },
}


def _message_name(event_type: str) -> str:
    return event_type.removeprefix("vn.congvu.").replace(".", "_")


def build_document() -> dict[str, Any]:
    """Return the AsyncAPI 3.0 document for every registered event type."""
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    by_topic: dict[str, list[str]] = defaultdict(list)
    for event_type, cls in sorted(EVENT_TYPES.items()):
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[cls.__name__] = schema
        name = _message_name(event_type)
        messages[name] = {
            "name": event_type,
            "title": cls.__name__,
            "summary": cls.summary,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": cls.key_field}}},
        }
        by_topic[cls.topic].append(name)
    schemas["CloudEventHeaders"] = CLOUDEVENTS_HEADERS
    schemas["DeadLetterHeaders"] = DEAD_LETTER_HEADERS
    messages["dead_letter"] = {
        "name": "dead-letter",
        "summary": "A record a consumer could not process, copied as it was.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {},
    }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        channel_id = topic.replace(".", "_")
        channels[channel_id] = {
            "address": topic,
            "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in by_topic[topic]},
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"CongVu publishes to {topic} through its transactional outbox.",
        }
        dlq_id = f"{channel_id}_dlq"
        channels[dlq_id] = {
            "address": dead_letter_topic(topic),
            "messages": {"dead_letter": {"$ref": "#/components/messages/dead_letter"}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CongVu events",
            "version": "1.0.0",
            "description": (
                "Integration events between CongVu services. Kafka, CloudEvents 1.0 binary"
                " mode, key = aggregate id. Generated from the contracts package; do not edit."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    """Return the document as YAML text."""
    return yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True)


if __name__ == "__main__":
    sys.stdout.write(render())
