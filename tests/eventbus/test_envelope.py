"""CloudEvents binary mode, without I/O."""

from datetime import UTC, datetime

import pytest

from eventbus.envelope import InvalidEnvelope, decode, encode_headers, to_kafka_headers

WHEN = datetime(2024, 2, 19, 9, 15, tzinfo=UTC)


def headers(**overrides: str) -> list[tuple[str, bytes]]:
    base = encode_headers(
        event_id="0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
        event_type="vn.congvu.visits.visit.started.v1",
        source="/congvu/visits",
        time=WHEN,
        subject="k",
        extra={"x-request-id": "r-1"},
    )
    return to_kafka_headers(base | overrides)


def test_round_trip() -> None:
    envelope = decode(headers(), '{"tên": "Kỳ Sơn"}'.encode())
    assert envelope.id == "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01"
    assert envelope.type == "vn.congvu.visits.visit.started.v1"
    assert envelope.time == WHEN
    assert envelope.subject == "k"
    assert envelope.source == "/congvu/visits"
    assert envelope.data == {"tên": "Kỳ Sơn"}


@pytest.mark.parametrize(
    ("record_headers", "value", "reason"),
    [
        ([], b"{}", "missing CloudEvents headers"),
        (headers(ce_specversion="0.3"), b"{}", "ce_specversion"),
        (headers(ce_time="yesterday"), b"{}", "RFC 3339"),
        (headers(ce_time="2024-02-19T16:15:00"), b"{}", "no offset"),
        (headers(), b"{not json", "not JSON"),
        (headers(), b"[1, 2]", "not a JSON object"),
        (headers(), None, "not JSON"),
        ([("ce_id", b"\xff")], b"{}", "UTF-8"),
    ],
)
def test_invalid_records_are_rejected_with_a_reason(
    record_headers: list[tuple[str, bytes]], value: bytes | None, reason: str
) -> None:
    with pytest.raises(InvalidEnvelope, match=reason):
        decode(record_headers, value)


def test_header_without_value_is_rejected() -> None:
    with pytest.raises(InvalidEnvelope, match="no value"):
        decode([*headers(), ("x-empty", None)], b"{}")
