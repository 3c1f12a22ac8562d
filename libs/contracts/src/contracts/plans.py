"""Events produced by the plans service."""

from collections.abc import Sequence
from datetime import date
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)
from pydantic_core import PydanticCustomError

from contracts import topics
from contracts.base import Event
from contracts.text import Code, Name, Subject

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
# What a plan may target by category instead of naming units (đối tượng kiểm tra).
TargetCategory = Literal[
    "provincial_departments",
    "state_enterprises",
    "district_peoples_committees",
    "commune_peoples_committees",
    "associations",
]
SUCCESSORS = (
    "The units that took over once this one closed: one after a merger, several after a"
    " split (a pre-2025 district into communes)."
)


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
    successor_ids: list[UUID] = Field(default_factory=list, description=SUCCESSORS)


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
        default=None,
        description="The unit that took over, when exactly one did; see successor_ids.",
    )
    valid_from: date | None = None
    valid_to: date | None = None
    changed_at: AwareDatetime
    successor_ids: list[UUID] = Field(default_factory=list, description=SUCCESSORS)


TeamRole = Literal["leader", "deputy_leader", "member", "secretary"]
InspectionKind = Literal["periodic", "surprise", "thematic"]
PlanKind = Literal["annual", "ad_hoc"]


class TeamMember(BaseModel):
    """A person on an inspection team, named by their sign-in subject."""

    model_config = ConfigDict(frozen=True)

    subject: Subject = Field(description="The person's `sub` in their sign-in token.")
    full_name: Name = Field(min_length=1, max_length=255, examples=["Nguyễn Văn An"])
    role: TeamRole = Field(description="leader: trưởng đoàn; deputy_leader: phó trưởng đoàn…")
    position: Name | None = Field(
        default=None, max_length=255, description="Chức vụ, đơn vị công tác."
    )


class TeamFormed(Event):
    """An inspection team was founded by a decision."""

    event_type: ClassVar[str] = "vn.congvu.plans.team.formed.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "team_id"
    summary: ClassVar[str] = "An inspection team was founded by a decision."

    team_id: UUID
    name: str
    decision_number: str = Field(examples=["Số 45/QĐ-UBND"])
    decision_date: date
    decision_issuer: str
    members: list[TeamMember]
    valid_from: date
    valid_to: date | None = None
    formed_at: AwareDatetime


class TeamChanged(Event):
    """An inspection team's members, name or validity changed."""

    event_type: ClassVar[str] = "vn.congvu.plans.team.changed.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "team_id"
    summary: ClassVar[str] = "An inspection team's members, name or validity changed."

    team_id: UUID
    name: str
    members: list[TeamMember]
    valid_from: date
    valid_to: date | None = None
    changed_at: AwareDatetime


class Criterion(BaseModel):
    """One thing an inspection checks, scored pass, fail or (if allowed) not applicable."""

    model_config = ConfigDict(frozen=True)

    code: Code = Field(
        min_length=1, max_length=30, pattern=r"^[A-Za-z0-9._-]+$", examples=["GIO.1"]
    )
    title: Name = Field(min_length=1, max_length=1000, examples=["Đến muộn, về sớm"])
    legal_basis: Name | None = Field(
        default=None, max_length=500, description="Văn bản quy định", examples=["Chỉ thị 26/CT-TTg"]
    )
    weight: StrictInt = Field(default=1, ge=1, le=100, description="Trọng số khi tính điểm")
    allow_not_applicable: StrictBool = Field(
        default=False, description="Cho phép đánh giá 'không áp dụng'"
    )


class ChecklistCategory(BaseModel):
    """A group of criteria, e.g. working hours or the one-stop shop."""

    model_config = ConfigDict(frozen=True)

    code: Code = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9._-]+$", examples=["GIO"])
    title: Name = Field(min_length=1, max_length=255, examples=["Thời giờ làm việc"])
    # A sequence, so that a request body may hold criteria of a stricter kind.
    criteria: Sequence[Criterion] = Field(min_length=1, max_length=200)


class ChecklistVersionPublished(Event):
    """A checklist template got a new version; inspections scheduled from now on pin it."""

    event_type: ClassVar[str] = "vn.congvu.plans.checklist.version-published.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "checklist_id"
    summary: ClassVar[str] = "A checklist template got a new, immutable version."

    checklist_id: UUID
    version: int
    name: str
    categories: list[ChecklistCategory]
    published_by: str
    published_at: AwareDatetime


def document_day(value: str) -> date:
    """Return the first day a document date may mean: the day, or the first of its month."""
    year, month, *day = (int(part) for part in value.split("-"))
    return date(year, month, day[0] if day else 1)


def _real_date(value: str) -> str:
    try:
        document_day(value)
    except ValueError:
        raise PydanticCustomError(
            "document_date", "No such date: months run 01 to 12, days as that month has"
        ) from None
    return value


# A document's date as the record gives it: the day, or only the month ("tháng 2/2022").
DocumentDate = Annotated[
    str,
    Field(pattern=r"^(19|20|21)[0-9]{2}-[0-9]{2}(-[0-9]{2})?$", examples=["2022-02"]),
    AfterValidator(_real_date),
]


class LegalDocument(BaseModel):
    """A document a plan rests on (căn cứ): a directive, a decision, a plan above it."""

    model_config = ConfigDict(frozen=True)

    number: Code = Field(
        min_length=1, max_length=100, description="Số hiệu", examples=["Chỉ thị số 27/CT-HU"]
    )
    issued_on: DocumentDate = Field(
        description="Ngày ban hành (YYYY-MM-DD), hoặc chỉ tháng (YYYY-MM) khi nguồn chỉ ghi tháng"
    )
    issuer: Name = Field(
        min_length=1, max_length=255, description="Cơ quan ban hành", examples=["Huyện ủy Phú Ninh"]
    )
    title: Name = Field(
        min_length=1,
        max_length=500,
        description="Trích yếu",
        examples=["Về tăng cường kỷ luật, kỷ cương trong thực thi công vụ"],
    )


class PlanSigner(BaseModel):
    """Who signed a plan: position always, name where the record gives it."""

    model_config = ConfigDict(frozen=True)

    position: Name = Field(
        min_length=1,
        max_length=255,
        description="Chức vụ người ký",
        examples=["Chủ tịch UBND tỉnh Trà Vinh"],
    )
    full_name: Name | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Họ tên người ký; bỏ trống khi văn bản được nhập lại không ghi rõ",
    )


class PlanApproved(Event):
    """An inspection plan was approved and may be carried out."""

    event_type: ClassVar[str] = "vn.congvu.plans.plan.approved.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "plan_id"
    summary: ClassVar[str] = "An inspection plan was approved."

    plan_id: UUID
    number: str = Field(examples=["Số 12/KH-UBND"])
    title: str
    issuer: str
    year: int
    kind: PlanKind
    target_unit_ids: list[UUID] = Field(description="The units the plan names.")
    approved_by: str
    approved_at: AwareDatetime = Field(
        description="When the plan was approved; for a past plan entered later, that past time."
    )
    target_categories: list[TargetCategory] = Field(default_factory=list)
    scope_unit_id: UUID | None = Field(
        default=None, description="The area (province, district, commune) categories cover."
    )
    resolved_target_unit_ids: list[UUID] = Field(
        default_factory=list,
        description=(
            "Every unit the plan covers: those it names, then those of its categories within"
            " its scope that are valid during its year, as the registry held them at approval."
        ),
    )
    issued_on: date | None = None
    signer: PlanSigner | None = None
    legal_basis: list[LegalDocument] = Field(default_factory=list)


class PlanClosed(Event):
    """An inspection plan was closed: no more inspections under it."""

    event_type: ClassVar[str] = "vn.congvu.plans.plan.closed.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "plan_id"
    summary: ClassVar[str] = "An inspection plan was closed."

    plan_id: UUID
    number: str
    closed_by: str
    closed_at: AwareDatetime


SEALED = (
    "Null while the inspection is sealed (a surprise inspection before its visit starts):"
    " InspectionStarted carries it then."
)


class InspectionScheduled(Event):
    """An inspection was scheduled under a plan.

    A surprise inspection's target and window are sealed until its visit starts, so the
    event leaves them out; consumers learn them from InspectionStarted.
    """

    event_type: ClassVar[str] = "vn.congvu.plans.inspection.scheduled.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "inspection_id"
    summary: ClassVar[str] = "An inspection was scheduled; a surprise one without target or date."

    inspection_id: UUID
    plan_id: UUID
    series_id: UUID = Field(description="Shared by the occurrences of a recurring inspection.")
    kind: InspectionKind
    team_id: UUID
    checklist_id: UUID
    checklist_version: int
    sealed: bool
    target_unit_id: UUID | None = Field(default=None, description=SEALED)
    window_start: AwareDatetime | None = Field(default=None, description=SEALED)
    window_end: AwareDatetime | None = Field(default=None, description=SEALED)
    scheduled_at: AwareDatetime


class InspectionRescheduled(Event):
    """An inspection's window moved."""

    event_type: ClassVar[str] = "vn.congvu.plans.inspection.rescheduled.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "inspection_id"
    summary: ClassVar[str] = "An inspection's window moved; a sealed one's new window stays out."

    inspection_id: UUID
    plan_id: UUID
    sealed: bool
    window_start: AwareDatetime | None = Field(default=None, description=SEALED)
    window_end: AwareDatetime | None = Field(default=None, description=SEALED)
    reason: str | None = Field(default=None, description=SEALED)
    rescheduled_at: AwareDatetime


class InspectionCancelled(Event):
    """An inspection was called off."""

    event_type: ClassVar[str] = "vn.congvu.plans.inspection.cancelled.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "inspection_id"
    summary: ClassVar[str] = "An inspection was called off."

    inspection_id: UUID
    plan_id: UUID
    sealed: bool
    reason: str | None = Field(default=None, description=SEALED)
    cancelled_at: AwareDatetime


class InspectionStarted(Event):
    """An inspection's visit started: from now on its target and window are no secret."""

    event_type: ClassVar[str] = "vn.congvu.plans.inspection.started.v1"
    topic: ClassVar[str] = topics.PLANS
    key_field: ClassVar[str] = "inspection_id"
    summary: ClassVar[str] = "An inspection's visit started; a surprise one is unsealed."

    inspection_id: UUID
    plan_id: UUID
    kind: InspectionKind
    target_unit_id: UUID
    window_start: AwareDatetime
    window_end: AwareDatetime
    team_id: UUID
    visit_id: UUID
    started_at: AwareDatetime
