"""Events produced by the plans service."""

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts import topics
from contracts.base import Event

UnitLevel = Literal["province", "district", "commune", "agency", "office"]
UnitKind = Literal[
    "province",
    "centrally_run_city",
    "district",
    "ward",
    "commune",
    "special_zone",
    "peoples_committee",
    "department",
    "one_stop_centre",
    "state_enterprise",
    "association",
    "office",
]


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
    kind: UnitKind | None = None
    valid_to: date | None = None


StaffCategory = Literal["cadre", "civil_servant", "public_employee", "contract", "non_professional"]


class StaffingRecorded(Event):
    """How many people a unit has on its roll, by category, as of a date."""

    event_type: ClassVar[str] = "vn.congvu.plans.unit.staffing-recorded.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "unit_id"
    summary: ClassVar[str] = "A unit's staff on roll by category, as of a date."

    unit_id: UUID
    as_of: date
    on_roll: dict[StaffCategory, int]
    recorded_at: AwareDatetime


class UnitChanged(Event):
    """A unit's registry entry changed: renamed, moved, closed, or merged into a successor."""

    event_type: ClassVar[str] = "vn.congvu.plans.unit.changed.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "unit_id"
    summary: ClassVar[str] = "A unit was renamed, moved, closed or merged into a successor."

    unit_id: UUID
    code: str
    name: str
    level: UnitLevel
    kind: UnitKind | None = None
    parent_id: UUID | None = None
    successor_id: UUID | None = Field(
        default=None, description="The unit that took over (units merged on 1 July 2025)."
    )
    valid_from: date | None = None
    valid_to: date | None = None
    changed_at: AwareDatetime
