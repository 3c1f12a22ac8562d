"""The AsyncAPI document is generated from the contracts and kept in the repository."""

from pathlib import Path

import yaml

from contracts.asyncapi import build_document, render
from contracts.registry import EVENT_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


def test_committed_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make asyncapi` and commit the result"


def test_every_event_type_is_documented_on_its_topic() -> None:
    document = build_document()
    assert document["asyncapi"].startswith("3.")
    channels = {c["address"]: c for c in document["channels"].values()}
    for event_type, cls in EVENT_TYPES.items():
        messages = document["components"]["messages"]
        name = next(n for n, m in messages.items() if m["name"] == event_type)
        assert name in channels[cls.topic]["messages"]
        assert cls.__name__ in document["components"]["schemas"]
        assert f"{cls.topic}.dlq" in channels


def test_event_types_carry_their_version() -> None:
    for event_type in EVENT_TYPES:
        assert event_type.startswith("vn.congvu.")
        assert event_type.rsplit(".", 1)[1].startswith("v")
    assert yaml.safe_load(render())["info"]["title"] == "CongVu events"
