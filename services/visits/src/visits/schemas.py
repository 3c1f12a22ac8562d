"""Request and response bodies of visits (the full record's read model is `visits.record`)."""

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt
from pydantic.config import JsonDict

from contracts.visits import NoAccessReason
from servicekit.text import FreeText
from servicekit.times import WORK_YEARS, Instant, VnDatetime

VisitStatus = Literal["started", "recording", "submitted", "no_access"]
STATUS = (
    "started: đã bắt đầu; recording: đang ghi nhận; submitted: đã nộp (niêm phong);"
    " no_access: không tiếp cận được đơn vị (niêm phong)"
)
# Visit states as Vietnamese messages name them.
STATUS_VI = {
    "started": "đã bắt đầu",
    "recording": "đang ghi nhận",
    "submitted": "đã nộp",
    "no_access": "không tiếp cận được đơn vị",
}
NO_ACCESS = "site_closed: trụ sở đóng cửa; nobody_received: không có người tiếp đoàn"
WorkTime = Annotated[Instant, WORK_YEARS]
VISIT_SUMMARY: JsonDict = {
    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
    "version": 7,
    "unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
    "inspection_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e02",
    "team_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e03",
    "surprise": True,
    "started_at": "2021-02-22T16:15:00+07:00",
    "status": "submitted",
    "submitted_at": "2021-02-22T17:40:00+07:00",
    "digest": "9b2e4c6a8e0c2a4e6c8a0e2c4a6e8c0a2e4c6a8e0c2a4e6c8a0e2c4a6e8c0a2e",
    "created_at": "2021-02-22T16:15:02+07:00",
    "updated_at": "2021-02-22T17:40:00+07:00",
}


class Location(BaseModel):
    """Where the device was (WGS 84), and how sure it was."""

    model_config = ConfigDict(extra="forbid")

    latitude: StrictFloat = Field(ge=-90, le=90, description="Vĩ độ", examples=[19.4152])
    longitude: StrictFloat = Field(ge=-180, le=180, description="Kinh độ", examples=[104.2189])
    accuracy_m: StrictFloat | None = Field(
        default=None, ge=0, le=100_000, description="Sai số (mét)", examples=[12.5]
    )


class VisitBase(BaseModel):
    """Fields a client gives when a visit starts."""

    unit_id: uuid.UUID = Field(description="Đơn vị được kiểm tra")
    started_at: WorkTime = Field(
        description="Thời điểm bắt đầu (RFC 3339, có múi giờ), từ năm 2000 đến 2100",
        examples=["2024-02-19T16:15:00+07:00"],
    )
    surprise: StrictBool | None = Field(
        default=None,
        description=(
            "Kiểm tra đột xuất; bỏ trống: theo loại của cuộc kiểm tra đã lên lịch (nếu có, phải"
            " khớp), hoặc không đột xuất"
        ),
    )
    note: FreeText | None = Field(default=None, max_length=4000, description="Ghi chú")
    inspection_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Cuộc kiểm tra đã lên lịch mà chuyến làm việc này thực hiện; khi bắt đầu, cuộc kiểm"
            " tra đột xuất hết bị giữ kín. Chỉ thành viên đoàn của cuộc kiểm tra bắt đầu và ghi"
            " nhận được."
        ),
    )
    team_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Đoàn ghi nhận cuộc kiểm tra không theo lịch (người gọi phải là thành viên); bỏ"
            " trống: chỉ người bắt đầu ghi nhận. Cuộc kiểm tra đã lên lịch dùng đoàn của nó."
        ),
    )
    justification: FreeText | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="Căn cứ, lý do kiểm tra không theo lịch (bắt buộc khi không có inspection_id)",
    )
    checklist_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Bộ tiêu chí của cuộc kiểm tra không theo lịch (cùng checklist_version); cuộc kiểm"
            " tra đã lên lịch dùng phiên bản nó đã cố định."
        ),
    )
    checklist_version: StrictInt | None = Field(
        default=None, ge=1, le=1_000_000, description="Phiên bản bộ tiêu chí"
    )
    location: Location | None = Field(default=None, description="Vị trí khi bắt đầu")


class VisitCreate(VisitBase):
    """Body of POST /api/v1/visits/visits; `id` may be chosen offline by the field device."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
                    "unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "started_at": "2024-02-19T16:15:00+07:00",
                    "surprise": True,
                    "note": "Kiểm tra đột xuất tại UBND huyện Kỳ Sơn",
                    "inspection_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e02",
                    "location": {"latitude": 19.4152, "longitude": 104.2189, "accuracy_m": 12.5},
                }
            ]
        },
    )

    id: uuid.UUID | None = Field(default=None, description="Client-generated id (UUID)")


class NoAccessFields(BaseModel):
    """Why the team could not inspect, and when it found so."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "site_closed",
                    "at": "2024-02-19T14:10:00+07:00",
                    "note": "Trụ sở đóng cửa trong giờ hành chính",
                }
            ]
        },
    )

    reason: NoAccessReason = Field(description=NO_ACCESS)
    at: WorkTime = Field(description="Thời điểm (RFC 3339, có múi giờ)")
    note: FreeText | None = Field(default=None, max_length=4000, description="Ghi chú")


class NoAccessRead(BaseModel):
    """Why the team could not inspect."""

    reason: NoAccessReason
    at: VnDatetime
    note: str | None


class VisitFields(BaseModel):
    """What an amendment may correct of the visit itself."""

    model_config = ConfigDict(extra="forbid")

    note: FreeText | None = Field(default=None, max_length=4000, description="Ghi chú")
    no_access: NoAccessFields | None = Field(
        default=None, description="Lý do không tiếp cận được (chỉ với cuộc kiểm tra no_access)"
    )


class Submission(BaseModel):
    """Body of POST .../submission: none, or an empty object."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class VisitSummary(BaseModel):
    """A visit in a list: what it is and where it stands, without what was recorded."""

    model_config = ConfigDict(json_schema_extra={"examples": [VISIT_SUMMARY]})

    id: uuid.UUID
    version: int = Field(description="Phiên bản của biên bản; tăng mỗi lần có thay đổi")
    unit_id: uuid.UUID
    inspection_id: uuid.UUID | None
    team_id: uuid.UUID | None
    surprise: bool
    started_at: VnDatetime
    status: VisitStatus = Field(description=STATUS)
    submitted_at: VnDatetime | None
    digest: str | None = Field(
        description="SHA-256 của biên bản khi niêm phong (nộp hoặc không tiếp cận được)"
    )
    created_at: VnDatetime
    updated_at: VnDatetime | None
