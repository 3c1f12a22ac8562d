"""Request and response bodies of a device's offline sync."""

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from servicekit.errors import FieldError
from visits.attendance.schemas import KY_SON, AttendanceWrite
from visits.results.schemas import ResultWrite
from visits.schemas import VisitCreate
from visits.violations.schemas import ViolationWrite

RecordKind = Literal["visit", "attendance", "result", "violation"]
Outcome = Literal["created", "updated", "unchanged", "conflict", "rejected"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
RECORD_ID = "Mã định danh do thiết bị sinh (UUID)"
MAX_RECORDS = 500
PHOTO = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SYNC_EXAMPLE: JsonDict = {
    "visit": {
        "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
        "unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
        "started_at": "2021-02-22T16:15:00+07:00",
        "inspection_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e02",
    },
    "attendance": [{"id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e30", **KY_SON}],
    "results": [
        {
            "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
            "version": 1,
            "criterion_code": "GIO.1",
            "outcome": "fail",
            "note": "2 công chức đến muộn",
        }
    ],
    "violations": [],
    "evidence": [PHOTO],
}
SYNC_READ: JsonDict = {
    "visit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
    "status": "recording",
    "records": [
        {"kind": "visit", "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01", "outcome": "created"},
        {
            "kind": "attendance",
            "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e30",
            "outcome": "created",
            "version": 1,
        },
        {
            "kind": "result",
            "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
            "outcome": "conflict",
            "version": 2,
            "detail": "Kết quả đánh giá đang ở phiên bản 2; phiên bản 1 đã cũ.",
            "server": {"id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10", "version": 2},
            "client": {"id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10", "version": 1},
        },
    ],
    "conflicts": 1,
    "rejected": 0,
    "evidence": {"held": [], "to_upload": [PHOTO]},
}


class AttendanceSync(AttendanceWrite):
    """An office's attendance as the device holds it, named by the id the device chose."""

    id: uuid.UUID = Field(description=RECORD_ID)


class ViolationSync(ViolationWrite):
    """A violation as the device holds it, named by the id the device chose."""

    id: uuid.UUID = Field(description=RECORD_ID)


class VisitSync(BaseModel):
    """Body of POST .../visits/{visit_id}/sync: everything the device recorded of one visit."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SYNC_EXAMPLE]})

    visit: VisitCreate | None = Field(
        default=None,
        description=(
            "Thông tin bắt đầu cuộc kiểm tra (như khi bắt đầu); bỏ trống nếu máy chủ đã có."
            " `id` bỏ trống hoặc trùng `visit_id` trên đường dẫn."
        ),
    )
    attendance: list[AttendanceSync] = Field(default_factory=list, max_length=MAX_RECORDS)
    results: list[ResultWrite] = Field(default_factory=list, max_length=MAX_RECORDS)
    violations: list[ViolationSync] = Field(default_factory=list, max_length=MAX_RECORDS)
    evidence: list[Sha256] = Field(
        default_factory=list,
        max_length=MAX_RECORDS,
        description="SHA-256 (hex, chữ thường) các tệp chứng cứ thiết bị đang giữ",
    )


class SyncEntry(BaseModel):
    """What the sync did with one record."""

    kind: RecordKind
    id: uuid.UUID
    outcome: Outcome = Field(
        description=(
            "created: đã ghi mới; updated: phiên bản cao hơn đã thay thế; unchanged: máy chủ đã"
            " có đúng bản này; conflict: khác với bản máy chủ giữ (xem server, client), không"
            " ghi; rejected: dữ liệu không hợp lệ (xem errors), không ghi"
        )
    )
    version: int | None = Field(
        default=None, description="Phiên bản máy chủ đang giữ sau lần đồng bộ; null: chưa có"
    )
    detail: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="Lỗi từng trường; `loc` chỉ vị trí trong thân yêu cầu"
    )
    server: dict[str, Any] | None = Field(
        default=None, description="Bản ghi máy chủ đang giữ (khi conflict)"
    )
    client: dict[str, Any] | None = Field(
        default=None, description="Bản ghi thiết bị gửi (khi conflict)"
    )
    amendments: str | None = Field(
        default=None,
        description="Biên bản đã niêm phong: sửa sai bằng đính chính tại địa chỉ này",
    )


class EvidenceHeld(BaseModel):
    """Which of the device's files the server already holds for the visit."""

    held: list[str] = Field(description="Máy chủ đã có")
    to_upload: list[str] = Field(description="Còn phải gửi (PUT .../evidence/{sha256})")


class SyncRead(BaseModel):
    """The answer to a sync: one entry per record, in the order they were applied."""

    model_config = ConfigDict(json_schema_extra={"examples": [SYNC_READ]})

    visit_id: uuid.UUID
    status: str = Field(description="Trạng thái cuộc kiểm tra sau lần đồng bộ")
    records: list[SyncEntry]
    conflicts: int = Field(description="Số bản ghi conflict")
    rejected: int = Field(description="Số bản ghi rejected")
    evidence: EvidenceHeld
