"""Small builders of request bodies and events for tests."""

import uuid
from datetime import UTC, datetime
from typing import Any

# No broker listens here: API tests exercise the outbox without publishing.
NO_BROKER = "127.0.0.1:1"


def create_unit_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/plans/units."""
    body: dict[str, Any] = {
        "code": f"T{uuid.uuid4().hex[:10]}",
        "name": "Ủy ban nhân dân huyện Kỳ Sơn",
        "level": "district",
        "valid_to": "2025-06-30",
    }
    return body | overrides


def create_visit_body(unit_id: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/visits/visits."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "unit_id": unit_id,
        "started_at": "2021-02-22T16:15:00+07:00",
        "surprise": True,
        "note": "Kiểm tra đột xuất 11 phòng chuyên môn",
    }
    return body | overrides


def create_rating_body(unit_id: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/citizen-feedback/ratings."""
    body: dict[str, Any] = {"unit_id": unit_id, "score": 5, "service": "Chứng thực bản sao"}
    return body | overrides


def now() -> datetime:
    """Return the current UTC time."""
    return datetime.now(UTC)
