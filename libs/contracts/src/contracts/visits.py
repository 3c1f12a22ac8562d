"""Events produced by the visits service."""

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.base import Event


class VisitStarted(Event):
    """An inspection team started an on-site visit at a unit."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.started.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "An inspection team started an on-site visit at a unit."

    visit_id: UUID
    unit_id: UUID
    started_at: AwareDatetime
    surprise: bool = False
    inspection_id: UUID | None = Field(
        default=None, description="The scheduled inspection this visit carries out."
    )
    started_by: str | None = Field(
        default=None, description="Who recorded the start: the `sub` of their sign-in token."
    )
