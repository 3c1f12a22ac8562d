"""Events produced by the citizen-feedback service."""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.base import Event

RaterKind = Literal["citizen", "kiosk", "official"]


class RatingSubmitted(Event):
    """Someone rated the service a unit gave: a citizen, or an official (see `rater`)."""

    event_type: ClassVar[str] = "vn.congvu.feedback.rating.submitted.v1"
    topic: ClassVar[str] = topics.FEEDBACK
    key_field: ClassVar[str] = "rating_id"
    summary: ClassVar[str] = "A citizen (or an official) rated the service a unit gave."

    rating_id: UUID
    unit_id: UUID
    score: int = Field(ge=1, le=5, description="1 = very dissatisfied … 5 = very satisfied.")
    service: str | None = None
    submitted_at: AwareDatetime
    rater: RaterKind = Field(
        default="citizen",
        description=(
            "Who rated: `citizen` (without an account), `kiosk` (a provincial one-stop-shop"
            " system, on a citizen's behalf) or `official` (a signed-in official; counted"
            " apart from citizens). Events from before this field are citizens' ratings."
        ),
    )
