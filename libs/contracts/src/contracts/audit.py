"""The audit trail, as events every service produces and reporting keeps."""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.base import Event


class AuditRecorded(Event):
    """Someone did, or tried to do, something the audit trail keeps."""

    event_type: ClassVar[str] = "vn.congvu.audit.recorded.v1"
    topic: ClassVar[str] = topics.AUDIT
    key_field: ClassVar[str] = "entry_id"
    summary: ClassVar[str] = (
        "An audited action: who, with which role and unit, did what, with what outcome."
    )

    entry_id: UUID
    service: str
    operation: str
    actor: str
    role: str | None
    unit_code: str | None
    client_id: str | None
    resource: str
    request_id: str | None
    outcome: Literal["succeeded", "refused", "failed"]
    status: int | None
    at: AwareDatetime
    count: int = Field(
        default=1,
        ge=1,
        description=(
            "How many attempts this entry stands for: the gateway records repeated refusals of"
            " one caller and operation as one entry a window, with their count."
        ),
    )
