"""Request and response bodies for plans and inspections."""

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from contracts.plans import InspectionKind, PlanKind
from servicekit.text import NfcText
from servicekit.times import VnDatetime
from servicekit.updates import refuse_null

PlanStatus = Literal["draft", "approved", "closed"]
InspectionStatus = Literal["scheduled", "started", "cancelled"]
Frequency = Literal["weekly", "monthly", "quarterly"]

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
    "target_unit_ids": ["0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00"],
}


class PlanBase(BaseModel):
    """Fields a client gives for a plan."""

    number: NfcText = Field(
        min_length=1, max_length=100, description="Số hiệu văn bản", examples=["Số 12/KH-UBND"]
    )
    title: NfcText = Field(min_length=1, max_length=500, description="Trích yếu")
    issuer: NfcText = Field(
        min_length=1,
        max_length=255,
        description="Cơ quan ban hành",
        examples=["UBND tỉnh Trà Vinh"],
    )
    issuer_unit_id: uuid.UUID | None = Field(
        default=None, description="Đơn vị ban hành trong danh mục đơn vị"
    )
    year: int = Field(ge=2000, le=2100, description="Năm kế hoạch")
    kind: PlanKind = Field(description="annual: kế hoạch năm; ad_hoc: kế hoạch đột xuất")
    objectives: NfcText | None = Field(
        default=None, max_length=10_000, description="Mục đích, yêu cầu"
    )
    target_unit_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=2000,
        description=(
            "Đối tượng kiểm tra. Công khai cùng kế hoạch; cuộc kiểm tra chỉ được nhắm vào các"
            " đơn vị này hoặc đơn vị trực thuộc. Để trống: mọi đơn vị."
        ),
    )


class PlanCreate(PlanBase):
    """Body of POST /api/v1/plans/plans: a new plan, in draft."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PLAN_EXAMPLE]})


class PlanUpdate(BaseModel):
    """Body of PATCH /api/v1/plans/plans/{id}: only a draft changes; only the fields given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Kế hoạch kiểm tra công vụ năm 2023 (sửa đổi)"}]},
    )

    number: NfcText | None = Field(default=None, min_length=1, max_length=100)
    title: NfcText | None = Field(default=None, min_length=1, max_length=500)
    issuer: NfcText | None = Field(default=None, min_length=1, max_length=255)
    issuer_unit_id: uuid.UUID | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    kind: PlanKind | None = None
    objectives: NfcText | None = Field(default=None, max_length=10_000)
    target_unit_ids: list[uuid.UUID] | None = Field(default=None, max_length=2000)

    _not_null = refuse_null("number", "title", "issuer", "year", "kind", "target_unit_ids")


class PlanRead(PlanBase):
    """A plan as the API returns it, with who moved it through its workflow and when."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                PLAN_EXAMPLE
                | {
                    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
                    "issuer_unit_id": None,
                    "status": "approved",
                    "created_by": "le.van.hung",
                    "created_at": "2023-01-20T08:00:00+07:00",
                    "updated_at": "2023-01-30T15:00:00+07:00",
                    "approved_by": "chu.tich.ubnd",
                    "approved_at": "2023-01-30T15:00:00+07:00",
                    "closed_by": None,
                    "closed_at": None,
                }
            ]
        }
    )

    id: uuid.UUID
    status: PlanStatus = Field(description="draft: dự thảo; approved: đã duyệt; closed: kết thúc")
    created_by: str
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
    approved_by: str | None = None
    approved_at: VnDatetime | None = None
    closed_by: str | None = None
    closed_at: VnDatetime | None = None


class Recurrence(BaseModel):
    """Repeat an inspection: `count` occurrences, each window moved on by the frequency."""

    model_config = ConfigDict(extra="forbid")

    frequency: Frequency = Field(
        description="weekly: hằng tuần; monthly: hằng tháng; quarterly: hằng quý"
    )
    count: int = Field(ge=2, le=52, description="Số lần, kể cả lần đầu")


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
    window_start: AwareDatetime = Field(description="Bắt đầu khoảng thời gian kiểm tra")
    window_end: AwareDatetime = Field(description="Kết thúc khoảng thời gian kiểm tra")
    team_id: uuid.UUID = Field(description="Đoàn kiểm tra")
    checklist_id: uuid.UUID = Field(description="Bộ tiêu chí")
    checklist_version: int | None = Field(
        default=None, ge=1, description="Phiên bản bộ tiêu chí; bỏ trống: phiên bản hiện hành"
    )
    topic: NfcText | None = Field(
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

    window_start: AwareDatetime
    window_end: AwareDatetime
    reason: NfcText = Field(min_length=1, max_length=2000, description="Lý do")


class Cancellation(BaseModel):
    """Body of POST /api/v1/plans/inspections/{id}/cancellation."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Đơn vị đã sáp nhập"}]}
    )

    reason: NfcText = Field(min_length=1, max_length=2000, description="Lý do")


class HistoryEntry(BaseModel):
    """One step in an inspection's life."""

    action: Literal["scheduled", "rescheduled", "cancelled", "started"]
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
    history: list[HistoryEntry]
    created_by: str
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
