"""Events produced by the citizen-feedback service."""

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.base import Event


class RatingSubmitted(Event):
    """A citizen rated the service a unit gave them."""

    event_type: ClassVar[str] = "vn.congvu.feedback.rating.submitted.v1"
    topic: ClassVar[str] = topics.FEEDBACK
    key_field: ClassVar[str] = "rating_id"
    summary: ClassVar[str] = "A citizen rated the service a unit gave them."

    rating_id: UUID
    unit_id: UUID
    score: int = Field(ge=1, le=5, description="1 = very dissatisfied … 5 = very satisfied.")
    service: str | None = None
    submitted_at: AwareDatetime
