"""Request and response bodies for plans and inspections."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from contracts.plans import InspectionKind, LegalDocument, PlanKind, PlanSigner, TargetCategory
from plans.units.rules import CATEGORIES_DOC
from servicekit.text import Code, FreeText, Name
from servicekit.times import RECORD_YEARS, WORK_YEARS, Day, Instant, VnDatetime
from servicekit.updates import NonNullable

PlanStatus = Literal["draft", "approved", "closed"]
InspectionStatus = Literal["scheduled", "started", "cancelled"]
# Plan and inspection states as Vietnamese messages name them.
STATUS_VI = {
    "draft": "dự thảo",
    "approved": "đã phê duyệt",
    "closed": "đã kết thúc",
    "scheduled": "đã lên lịch",
    "started": "đã bắt đầu",
    "cancelled": "đã hủy",
}
Frequency = Literal["weekly", "monthly", "quarterly"]
# Inspections fall in the years of the plans they belong to: 2000 to 2100.
WindowTime = Annotated[Instant, WORK_YEARS]
# A plan's issue and approval are records: they may go back to 1945.
PlanDay = Annotated[Day, RECORD_YEARS]
_DAY: TypeAdapter[date] = TypeAdapter(PlanDay)
_TIME: TypeAdapter[datetime] = TypeAdapter(Annotated[Instant, RECORD_YEARS])


def _day_or_time(value: Any) -> date:
    """Read `YYYY-MM-DD` as a day and anything else as a time, each with its own errors."""
    adapter: TypeAdapter[Any] = _DAY if isinstance(value, str) and len(value) == 10 else _TIME
    try:
        read: date = adapter.validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        # With its context, so that the Vietnamese of its type fills in (servicekit.messages).
        raise PydanticCustomError(error["type"], error["msg"], error.get("ctx")) from None
    return read


# A day (2023-01-30) or a time with its offset (2023-01-30T15:00:00+07:00).
DayOrTime = Annotated[
    date,
    PlainValidator(_day_or_time),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
    ),
]

PLAN_EXAMPLE: JsonDict = {
    "number": "Số 12/KH-UBND",
    "title": "Kế hoạch kiểm tra công vụ năm 2023",
    "issuer": "UBND tỉnh Trà Vinh",
    "year": 2023,
    "kind": "annual",
    "objectives": (
        "Ngăn ngừa vi phạm kỷ luật, kỷ cương hành chính; phát hiện tồn tại, thiếu sót;"
        " kiến nghị xử lý nghiêm cán bộ, công chức vi phạm."
    ),
    "issued_on": "2023-01-30",
    "signer": {"position": "Chủ tịch UBND tỉnh Trà Vinh", "full_name": None},
    "legal_basis": [
        {
            "number": "Chỉ thị số 27/CT-HU",
            "issued_on": "2022-02",
            "issuer": "Huyện ủy Phú Ninh",
            "title": "Về tăng cường kỷ luật, kỷ cương trong thực thi công vụ",
        }
    ],
    "target_unit_ids": [],
    "target_categories": [
        "provincial_departments",
        "state_enterprises",
        "district_peoples_committees",
        "commune_peoples_committees",
        "associations",
    ],
    "scope_unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
}


SIGNER = "Người ký kế hoạch"
LEGAL_BASIS = "Căn cứ: các văn bản kế hoạch dựa vào (chỉ thị, quyết định, kế hoạch cấp trên)"


class LegalDocumentInput(LegalDocument):
    """A document as a request body gives it: a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid")


class PlanSignerInput(PlanSigner):
    """A signer as a request body gives them: a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid")


class PlanBase(BaseModel):
    """Fields a client gives for a plan."""

    number: Code = Field(
        min_length=1, max_length=100, description="Số hiệu văn bản", examples=["Số 12/KH-UBND"]
    )
    title: Name = Field(min_length=1, max_length=500, description="Trích yếu")
    issuer: Name = Field(
        min_length=1,
        max_length=255,
        description="Cơ quan ban hành",
        examples=["UBND tỉnh Trà Vinh"],
    )
    issuer_unit_id: uuid.UUID | None = Field(
        default=None, description="Đơn vị ban hành trong danh mục đơn vị"
    )
    year: StrictInt = Field(ge=2000, le=2100, description="Năm kế hoạch")
    kind: PlanKind = Field(description="annual: kế hoạch năm; ad_hoc: kế hoạch đột xuất")
    objectives: FreeText | None = Field(
        default=None, max_length=10_000, description="Mục đích, yêu cầu"
    )
    issued_on: PlanDay | None = Field(default=None, description="Ngày ban hành kế hoạch")
    signer: PlanSigner | None = Field(default=None, description=SIGNER)
    legal_basis: Sequence[LegalDocument] = Field(
        default_factory=list, max_length=50, description=LEGAL_BASIS
    )
    target_unit_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=2000,
        description=(
            "Đối tượng kiểm tra nêu tên. Công khai cùng kế hoạch; cuộc kiểm tra chỉ được nhắm"
            " vào các đơn vị đối tượng hoặc đơn vị trực thuộc. Kế hoạch nêu đơn vị, nhóm đối"
            " tượng (target_categories) hoặc cả hai: không nêu gì là 422, không có nghĩa là"
            " mọi đơn vị."
        ),
    )
    target_categories: list[TargetCategory] = Field(
        default_factory=list,
        max_length=20,
        description=(
            "Nhóm đối tượng kiểm tra, xác định thành danh sách đơn vị khi phê duyệt: các đơn vị"
            " thuộc nhóm, trên địa bàn (scope_unit_id), có hiệu lực trong năm kế hoạch. "
            + CATEGORIES_DOC
        ),
    )
    scope_unit_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Địa bàn (tỉnh, huyện, xã) của các nhóm đối tượng; bắt buộc khi phê duyệt kế hoạch"
            " có nhóm đối tượng"
        ),
    )


class PlanCreate(PlanBase):
    """Body of POST /api/v1/plans/plans: a new plan, in draft."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PLAN_EXAMPLE]})

    signer: PlanSignerInput | None = Field(default=None, description=SIGNER)
    legal_basis: list[LegalDocumentInput] = Field(
        default_factory=list, max_length=50, description=LEGAL_BASIS
    )


class PlanUpdate(BaseModel):
    """Body of PATCH /api/v1/plans/plans/{id}: only a draft changes; only the fields given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Kế hoạch kiểm tra công vụ năm 2023 (sửa đổi)"}]},
    )

    number: NonNullable[Code] = Field(default=None, min_length=1, max_length=100)
    title: NonNullable[Name] = Field(default=None, min_length=1, max_length=500)
    issuer: NonNullable[Name] = Field(default=None, min_length=1, max_length=255)
    issuer_unit_id: uuid.UUID | None = None
    year: NonNullable[StrictInt] = Field(default=None, ge=2000, le=2100)
    kind: NonNullable[PlanKind] = None
    objectives: FreeText | None = Field(default=None, max_length=10_000)
    issued_on: PlanDay | None = None
    signer: PlanSignerInput | None = None
    legal_basis: NonNullable[list[LegalDocumentInput]] = Field(default=None, max_length=50)
    target_unit_ids: NonNullable[list[uuid.UUID]] = Field(default=None, max_length=2000)
    target_categories: NonNullable[list[TargetCategory]] = Field(default=None, max_length=20)
    scope_unit_id: uuid.UUID | None = None


class PlanRead(PlanBase):
    """A plan as the API returns it, with who moved it through its workflow and when."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                PLAN_EXAMPLE
                | {
                    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
                    "province_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "issuer_unit_id": None,
                    "status": "approved",
                    "created_by": "le.van.hung",
                    "created_at": "2023-01-20T08:00:00+07:00",
                    "updated_at": "2023-01-30T15:00:00+07:00",
                    "approved_by": "chu.tich.ubnd",
                    "approved_at": "2023-01-30T00:00:00+07:00",
                    "closed_by": None,
                    "closed_at": None,
                    "resolved_target_unit_ids": [
                        "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
                        "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e02",
                    ],
                }
            ]
        }
    )

    id: uuid.UUID
    province_id: uuid.UUID | None = Field(
        default=None, description="Tỉnh có kế hoạch (đơn vị cấp cao nhất trong danh mục)"
    )
    resolved_target_unit_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description=(
            "Đối tượng kiểm tra đã xác định khi phê duyệt: các đơn vị nêu tên, rồi các đơn vị"
            " thuộc nhóm đối tượng; dự thảo: trống"
        ),
    )
    status: PlanStatus = Field(description="draft: dự thảo; approved: đã duyệt; closed: kết thúc")
    created_by: str
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
    approved_by: str | None = None
    approved_at: VnDatetime | None = None
    closed_by: str | None = None
    closed_at: VnDatetime | None = None


class PlanApproval(BaseModel):
    """Body of POST /api/v1/plans/plans/{id}/approval: none, or when the plan was approved."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{}, {"approved_on": "2023-01-30"}]}
    )

    approved_on: DayOrTime | None = Field(
        default=None,
        description=(
            "Ngày (hoặc thời điểm, có múi giờ) phê duyệt, khi nhập lại kế hoạch đã duyệt trước"
            " đây: không sau hiện tại, không trước ngày ban hành. Bỏ trống: lúc này."
        ),
    )


class PlanClosure(BaseModel):
    """Body of POST /api/v1/plans/plans/{id}/closure: none, or an empty object."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class Recurrence(BaseModel):
    """Repeat an inspection: `count` occurrences, each window moved on by the frequency."""

    model_config = ConfigDict(extra="forbid")

    frequency: Frequency = Field(
        description="weekly: hằng tuần; monthly: hằng tháng; quarterly: hằng quý"
    )
    count: StrictInt = Field(ge=2, le=52, description="Số lần, kể cả lần đầu")


class InspectionCreate(BaseModel):
    """Body of POST /api/v1/plans/inspections."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plan_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
                    "target_unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "kind": "surprise",
                    "window_start": "2024-02-19T07:30:00+07:00",
                    "window_end": "2024-02-23T17:00:00+07:00",
                    "team_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
                    "checklist_id": "0193a5d2-0000-7000-8000-00000000c001",
                }
            ]
        },
    )

    plan_id: uuid.UUID = Field(description="Kế hoạch")
    target_unit_id: uuid.UUID = Field(description="Đơn vị được kiểm tra")
    kind: InspectionKind = Field(
        description="periodic: theo kế hoạch; surprise: đột xuất (giữ kín); thematic: chuyên đề"
    )
    window_start: WindowTime = Field(description="Bắt đầu khoảng thời gian kiểm tra")
    window_end: WindowTime = Field(description="Kết thúc khoảng thời gian kiểm tra")
    team_id: uuid.UUID = Field(description="Đoàn kiểm tra")
    checklist_id: uuid.UUID = Field(description="Bộ tiêu chí")
    checklist_version: StrictInt | None = Field(
        default=None, ge=1, description="Phiên bản bộ tiêu chí; bỏ trống: phiên bản hiện hành"
    )
    topic: FreeText | None = Field(
        default=None, max_length=2000, description="Chuyên đề (bắt buộc với kiểm tra chuyên đề)"
    )
    recurrence: Recurrence | None = Field(default=None, description="Lặp lại")


class Reschedule(BaseModel):
    """Body of POST /api/v1/plans/inspections/{id}/rescheduling."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "window_start": "2024-02-26T07:30:00+07:00",
                    "window_end": "2024-02-28T17:00:00+07:00",
                    "reason": "Đoàn kiểm tra tham gia phòng chống bão",
                }
            ]
        },
    )

    window_start: WindowTime
    window_end: WindowTime
    reason: FreeText = Field(min_length=1, max_length=2000, description="Lý do")


class Cancellation(BaseModel):
    """Body of POST /api/v1/plans/inspections/{id}/cancellation."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Đơn vị đã sáp nhập"}]}
    )

    reason: FreeText = Field(min_length=1, max_length=2000, description="Lý do")


class HistoryEntry(BaseModel):
    """One step in an inspection's life."""

    action: Literal["scheduled", "rescheduled", "cancelled", "started", "recorded"]
    at: VnDatetime
    by: str
    reason: str | None = None
    window_start: VnDatetime | None = None
    window_end: VnDatetime | None = None


class InspectionRead(BaseModel):
    """An inspection as the API returns it to someone allowed to see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e30",
                    "plan_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
                    "series_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e31",
                    "occurrence": 1,
                    "kind": "surprise",
                    "target_unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "window_start": "2024-02-19T07:30:00+07:00",
                    "window_end": "2024-02-23T17:00:00+07:00",
                    "team_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
                    "checklist_id": "0193a5d2-0000-7000-8000-00000000c001",
                    "checklist_version": 1,
                    "topic": None,
                    "status": "scheduled",
                    "sealed": True,
                    "visit_id": None,
                    "started_at": None,
                    "recorded_at": None,
                    "record_digest": None,
                    "history": [
                        {
                            "action": "scheduled",
                            "at": "2024-02-14T10:00:00+07:00",
                            "by": "thanh.tra.tinh",
                            "reason": None,
                            "window_start": "2024-02-19T07:30:00+07:00",
                            "window_end": "2024-02-23T17:00:00+07:00",
                        }
                    ],
                    "created_by": "thanh.tra.tinh",
                    "created_at": "2024-02-14T10:00:00+07:00",
                    "updated_at": None,
                }
            ]
        }
    )

    id: uuid.UUID
    plan_id: uuid.UUID
    series_id: uuid.UUID = Field(description="Chung cho các lần của một cuộc kiểm tra lặp lại")
    occurrence: int = Field(description="Lần thứ mấy trong chuỗi, từ 1")
    kind: InspectionKind
    target_unit_id: uuid.UUID
    window_start: VnDatetime
    window_end: VnDatetime
    team_id: uuid.UUID
    checklist_id: uuid.UUID
    checklist_version: int
    topic: str | None = None
    status: InspectionStatus = Field(
        description="scheduled: đã lên lịch; started: đã bắt đầu; cancelled: đã hủy"
    )
    sealed: bool = Field(
        description="Đang giữ kín: kiểm tra đột xuất chưa bắt đầu; đơn vị được kiểm tra không thấy"
    )
    visit_id: uuid.UUID | None = None
    started_at: VnDatetime | None = None
    recorded_at: VnDatetime | None = Field(
        default=None, description="Lúc đoàn nộp biên bản ghi nhận kết quả (đã niêm phong)"
    )
    record_digest: str | None = Field(
        default=None,
        description="Mã băm SHA-256 của biên bản đã niêm phong, để đối chiếu mọi bản sao",
    )
    history: list[HistoryEntry]
    created_by: str
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
