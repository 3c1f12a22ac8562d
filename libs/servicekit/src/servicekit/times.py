"""Times: stored in UTC, shown in Asia/Ho_Chi_Minh."""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, PlainSerializer

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_vn(value: datetime) -> datetime:
    """Return `value` in Vietnam's time zone (+07:00)."""
    return value.astimezone(VN_TZ)


# Output type for Vietnamese-facing resources: serialised with +07:00.
VnDatetime = Annotated[
    AwareDatetime, PlainSerializer(lambda v: to_vn(v).isoformat(), return_type=str)
]
