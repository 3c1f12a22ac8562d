"""Events produced by the visits service.

Every event of a visit is keyed by the visit's id, so one visit's events stay in order. None
carries personal data: a violation says whether it names a person, never who; notes and
descriptions (free text that may name people) stay in the visits service.
"""

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from contracts import topics
from contracts.base import Event
from contracts.plans import StaffCategory

AbsenceReason = Literal["leave", "business_trip", "study", "sick", "other"]
NoAccessReason = Literal["site_closed", "nobody_received"]
ResultOutcome = Literal["pass", "fail", "not_applicable"]
# The degrees of Decree 112/2020: ít nghiêm trọng, nghiêm trọng, rất nghiêm trọng, đặc biệt
# nghiêm trọng.
Severity = Literal["minor", "serious", "very_serious", "especially_serious"]
AmendedRecord = Literal["visit", "attendance", "result", "violation"]

Count = Annotated[StrictInt, Field(ge=0, le=100_000)]
DIGEST = Field(
    pattern=r"^[0-9a-f]{64}$",
    description="SHA-256 (hex) of the sealed record's canonical JSON, evidence hashes included.",
)


class Headcount(BaseModel):
    """One staff category's headcount in an office at the moment of the check."""

    model_config = ConfigDict(frozen=True)

    on_roll: Count = Field(description="Tổng số theo danh sách")
    present: Count = Field(description="Có mặt")
    absent_with_reason: dict[AbsenceReason, Count] = Field(
        default_factory=dict,
        description=(
            "Vắng có lý do, theo lý do: leave (nghỉ phép), business_trip (đi công tác), study"
            " (đi học), sick (ốm), other (lý do khác)"
        ),
    )
    absent_without_reason: Count = Field(default=0, description="Vắng không lý do")
    late: Count = Field(default=0, description="Đi muộn (trong số có mặt)")


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
    team_id: UUID | None = Field(
        default=None,
        description="The team recording the visit: the inspection's, or one an ad hoc visit names.",
    )


class VisitNoAccessRecorded(Event):
    """The team could not inspect: the site was closed or nobody received it."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.no-access-recorded.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "A visit ended without access to the unit; its record is sealed."

    visit_id: UUID
    unit_id: UUID
    inspection_id: UUID | None = None
    reason: NoAccessReason
    at: AwareDatetime = Field(description="When the team found it could not inspect.")
    recorded_by: str
    digest: str = DIGEST


class AttendanceRecorded(Event):
    """An office's headcount was recorded during a visit, or a later version of it."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.attendance-recorded.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "An office's headcount by staff category (a new version replaces one)."

    visit_id: UUID
    unit_id: UUID = Field(description="The visited unit.")
    record_id: UUID
    version: int = Field(description="A higher version of the same record replaces it.")
    office_name: str
    office_unit_id: UUID | None = Field(
        default=None, description="The office in the unit registry, where it is registered."
    )
    observed_at: AwareDatetime | None = None
    headcounts: dict[StaffCategory, Headcount]
    recorded_by: str
    recorded_at: AwareDatetime


class CriterionResult(BaseModel):
    """The result of one criterion of the pinned checklist version."""

    model_config = ConfigDict(frozen=True)

    result_id: UUID
    version: int
    criterion_code: str
    outcome: ResultOutcome


class ChecklistResultsRecorded(Event):
    """Results of checklist criteria were recorded (or replaced by later versions)."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.results-recorded.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "Checklist results of a visit, and the visit's score after them."

    visit_id: UUID
    unit_id: UUID
    checklist_id: UUID
    checklist_version: int
    results: list[CriterionResult] = Field(description="The results this change wrote.")
    points: int = Field(description="Weights of the criteria passed, over the whole visit.")
    possible: int = Field(description="Weights of the criteria passed or failed (N/A excluded).")
    recorded_by: str
    recorded_at: AwareDatetime


class ViolationRecorded(Event):
    """A violation was found during a visit (or a later version of it recorded)."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.violation-recorded.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "A violation found on a visit; whom it names stays in visits."

    visit_id: UUID
    violation_id: UUID
    version: int
    visited_unit_id: UUID
    unit_id: UUID = Field(description="The unit at fault: the visited unit or one beneath it.")
    category_code: str
    criterion_code: str | None = None
    severity: Severity
    names_person: bool = Field(description="Whether it names a person (never who).")
    repeat_of: list[UUID] = Field(
        default_factory=list,
        description=(
            "Earlier violations of the same category, at the same unit or by the same person,"
            " within the 12 months before the visit."
        ),
    )
    recorded_by: str
    recorded_at: AwareDatetime


class VisitSubmitted(Event):
    """The team submitted the visit's record: from now on it only changes by amendment."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.submitted.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "A visit's record was submitted and sealed under its digest."

    visit_id: UUID
    unit_id: UUID
    inspection_id: UUID | None = None
    submitted_by: str
    submitted_at: AwareDatetime
    digest: str = DIGEST
    points: int
    possible: int
    violations: int = Field(description="How many violations the record holds.")


class VisitAmended(Event):
    """A sealed visit record got a correction, kept beside the original."""

    event_type: ClassVar[str] = "vn.congvu.visits.visit.amended.v1"
    topic: ClassVar[str] = topics.VISITS
    key_field: ClassVar[str] = "visit_id"
    summary: ClassVar[str] = "A correction of a sealed visit record: which fields of which record."

    visit_id: UUID
    amendment_id: UUID
    target: AmendedRecord
    target_id: UUID
    fields: list[str] = Field(description="The fields the correction changed.")
    amended_by: str
    amended_at: AwareDatetime
    digest: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 chaining this amendment to the sealed record and earlier amendments.",
    )
