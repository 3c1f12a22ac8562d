"""Request and response bodies of amendments."""

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from contracts.visits import AmendedRecord
from servicekit.text import FreeText
from servicekit.times import VnDatetime
from visits.attendance.schemas import AttendanceFields
from visits.results.schemas import ResultFields
from visits.schemas import VisitFields
from visits.violations.schemas import ViolationFields

AMENDMENT_READ: JsonDict = {
    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
    "version": 1,
    "target": "result",
    "target_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
    "reason": "Ghi nhầm kết quả tiêu chí GIO.1",
    "changes": [{"field": "outcome", "before": "fail", "after": "pass", "hidden": False}],
    "amended_by": "nguyen.van.an",
    "amended_at": "2021-02-25T08:00:00+07:00",
    "digest": "5f1d0c2b4e6a8c0e2f4a6c8e0a2c4e6f8a0c2e4f6a8c0e2a4c6e8f0a2c4e6f8a",
}
RECORD = "Bản ghi sau khi đính chính, đầy đủ; các trường thay đổi được ghi lại."


class Correction(BaseModel):
    """What every amendment gives: its id (chosen by the device) and the reason."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(description="Mã định danh do thiết bị sinh (UUID)")
    reason: FreeText = Field(min_length=1, max_length=4000, description="Lý do đính chính")
    target_id: uuid.UUID = Field(
        description="Bản ghi được đính chính (với visit: mã cuộc kiểm tra)"
    )


class VisitCorrection(Correction):
    """A correction of the visit's note or no-access reason."""

    target: Literal["visit"]
    record: VisitFields = Field(description=RECORD)


class AttendanceCorrection(Correction):
    """A correction of an office's attendance."""

    target: Literal["attendance"]
    record: AttendanceFields = Field(description=RECORD)


class ResultCorrection(Correction):
    """A correction of a criterion's result."""

    target: Literal["result"]
    record: ResultFields = Field(description=RECORD)


class ViolationCorrection(Correction):
    """A correction of a violation."""

    target: Literal["violation"]
    record: ViolationFields = Field(description=RECORD)


AmendmentCreate = Annotated[
    VisitCorrection | AttendanceCorrection | ResultCorrection | ViolationCorrection,
    Field(
        discriminator="target",
        description="Bản đính chính: loại bản ghi (target), bản ghi, lý do",
        json_schema_extra={
            "examples": [
                {
                    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
                    "target": "result",
                    "target_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e10",
                    "reason": "Ghi nhầm kết quả tiêu chí GIO.1",
                    "record": {"outcome": "pass", "note": None},
                }
            ]
        },
    ),
]


class FieldChange(BaseModel):
    """One field an amendment changed."""

    field: str
    before: Any = Field(description="Giá trị trước (null khi bị ẩn)")
    after: Any = Field(description="Giá trị sau (null khi bị ẩn)")
    hidden: bool = Field(
        default=False, description="Dữ liệu cá nhân: chỉ người được phép mới thấy giá trị"
    )


class AmendmentRead(BaseModel):
    """An amendment as the API returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [AMENDMENT_READ]})

    id: uuid.UUID
    version: int
    target: AmendedRecord
    target_id: uuid.UUID
    reason: str
    changes: list[FieldChange]
    amended_by: str | None = Field(description="Người đính chính (ẩn với đơn vị được kiểm tra)")
    amended_at: VnDatetime
    digest: str = Field(
        description="SHA-256 nối bản đính chính với biên bản niêm phong và các bản trước"
    )
