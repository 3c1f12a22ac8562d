"""Events produced by the plans service."""

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.base import Event

UnitLevel = Literal["province", "district", "commune", "agency", "office"]


class UnitRegistered(Event):
    """An organisation unit was added to the unit registry."""

    event_type: ClassVar[str] = "vn.congvu.plans.unit.registered.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "unit_id"
    summary: ClassVar[str] = "An organisation unit was added to the unit registry."

    unit_id: UUID
    code: str = Field(description="Official code, e.g. '22' for Quảng Ninh province.")
    name: str
    level: UnitLevel
    parent_id: UUID | None = None
    valid_from: date | None = None
    registered_at: AwareDatetime
