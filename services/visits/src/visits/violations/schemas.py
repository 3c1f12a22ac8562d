"""Request and response bodies of violations."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from contracts.visits import Severity
from servicekit.text import Code, FreeText, Name
from servicekit.times import WORK_YEARS, Instant, VnDatetime
from visits.attendance.schemas import VERSION, Version

VIOLATION_READ: JsonDict = {
    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e40",
    "version": 1,
    "category_code": "MOTCUA",
    "criterion_code": "MOTCUA.2",
    "severity": "minor",
    "unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
    "description": "Phân công lịch trực bộ phận một cửa không đúng quy định niêm yết",
    "observed_at": "2021-02-24T09:00:00+07:00",
    "names_person": True,
    "person": {"full_name": "Nguyễn Văn Bình", "position": "Công chức một cửa"},
    "repeat_of": ["0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e41"],
    "recorded_by": "nguyen.van.an",
    "recorded_at": "2021-02-24T09:05:00+07:00",
    "updated_at": "2021-02-24T09:05:00+07:00",
}
SEVERITY = (
    "minor: ít nghiêm trọng; serious: nghiêm trọng; very_serious: rất nghiêm trọng;"
    " especially_serious: đặc biệt nghiêm trọng"
)
PERSON = (
    "Người vi phạm (dữ liệu cá nhân): chỉ cơ quan thanh tra và thành viên đoàn kiểm tra xem"
    " được; mọi lượt xem đều được ghi nhật ký; không bao giờ có trong sự kiện hay báo cáo."
)


class PersonInput(BaseModel):
    """A person a violation names."""

    model_config = ConfigDict(extra="forbid")

    full_name: Name = Field(
        min_length=1, max_length=255, description="Họ tên", examples=["Nguyễn Văn Bình"]
    )
    position: Name | None = Field(
        default=None, max_length=255, description="Chức vụ", examples=["Công chức tư pháp"]
    )


class ViolationFields(BaseModel):
    """What a team records of a violation."""

    model_config = ConfigDict(extra="forbid")

    category_code: Code = Field(
        min_length=1,
        max_length=30,
        description="Nhóm tiêu chí của bộ tiêu chí cuộc kiểm tra áp dụng",
        examples=["MOTCUA"],
    )
    criterion_code: Code | None = Field(
        default=None, min_length=1, max_length=30, description="Tiêu chí (trong nhóm)"
    )
    severity: Severity = Field(description=SEVERITY)
    unit_id: uuid.UUID = Field(description="Đơn vị vi phạm: đơn vị được kiểm tra hoặc cấp dưới")
    description: FreeText = Field(min_length=1, max_length=4000, description="Mô tả vi phạm")
    observed_at: Annotated[Instant, WORK_YEARS] | None = Field(
        default=None, description="Thời điểm phát hiện (RFC 3339, có múi giờ)"
    )
    person: PersonInput | None = Field(default=None, description=PERSON)


class ViolationWrite(ViolationFields):
    """Body of PUT .../violations/{violation_id}: the violation at `version`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "category_code": "MOTCUA",
                    "criterion_code": "MOTCUA.2",
                    "severity": "minor",
                    "unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "description": "Phân công lịch trực bộ phận một cửa không đúng quy định",
                }
            ]
        }
    )

    version: Version = Field(description=VERSION)


class PersonRead(BaseModel):
    """The person a violation names."""

    full_name: str
    position: str | None


class ViolationRead(BaseModel):
    """A violation as the API returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [VIOLATION_READ]})

    id: uuid.UUID
    version: int
    category_code: str
    criterion_code: str | None
    severity: Severity
    unit_id: uuid.UUID
    description: str
    observed_at: VnDatetime | None
    names_person: bool = Field(description="Có nêu tên người vi phạm")
    person: PersonRead | None = Field(description=f"{PERSON} Null với người khác.")
    repeat_of: list[uuid.UUID] = Field(
        description=(
            "Tái phạm: các vi phạm trước đó cùng nhóm, cùng đơn vị hoặc cùng người, trong 12"
            " tháng trước cuộc kiểm tra"
        )
    )
    recorded_by: str | None = Field(description="Người ghi (ẩn với đơn vị được kiểm tra)")
    recorded_at: VnDatetime
    updated_at: VnDatetime
