"""Request and response bodies of attendance records."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from pydantic.config import JsonDict

from contracts.plans import StaffCategory
from contracts.visits import Headcount
from servicekit.text import Name
from servicekit.times import WORK_YEARS, Instant, VnDatetime

CATEGORIES = (
    "Theo loại: cadre (cán bộ), civil_servant (công chức), public_employee (viên chức),"
    " contract (hợp đồng), non_professional (người hoạt động không chuyên trách)"
)
Version = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
VERSION = (
    "Phiên bản do thiết bị đặt: bản ghi mới bắt đầu từ bất kỳ số nào; gửi lại cùng phiên bản"
    " và nội dung không thay đổi gì; phiên bản cao hơn thay thế bản ghi."
)

HEADCOUNT: JsonDict = {
    "on_roll": 5,
    "present": 3,
    "absent_with_reason": {"business_trip": 1, "leave": 1},
    "absent_without_reason": 0,
    "late": 0,
}
KY_SON: JsonDict = {
    "version": 1,
    "office_name": "Phòng Nội vụ",
    "observed_at": "2021-02-22T08:15:00+07:00",
    "headcounts": {"civil_servant": HEADCOUNT},
}
ATTENDANCE_READ: JsonDict = {
    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e30",
    "version": 1,
    "office_name": "Phòng Nội vụ",
    "office_unit_id": None,
    "observed_at": "2021-02-22T08:15:00+07:00",
    "headcounts": {"civil_servant": HEADCOUNT},
    "total": HEADCOUNT,
    "recorded_by": "tran.thi.binh",
    "recorded_at": "2021-02-22T08:20:00+07:00",
    "updated_at": "2021-02-22T08:20:00+07:00",
}
ATTENDANCE_OVERVIEW: JsonDict = {
    "records": [ATTENDANCE_READ],
    "by_category": {"civil_servant": HEADCOUNT},
    "total": HEADCOUNT,
    "staffing": {
        "as_of": "2021-01-01",
        "recorded": {"civil_servant": 6},
        "counted": {"civil_servant": 5},
        "difference": {"civil_servant": -1},
        "differs": True,
    },
}


class HeadcountInput(Headcount):
    """A headcount as a request body gives it: a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid")


class AttendanceFields(BaseModel):
    """What a team records of one office."""

    model_config = ConfigDict(extra="forbid")

    office_name: Name = Field(
        min_length=1, max_length=255, description="Tên phòng, ban", examples=["Phòng Nội vụ"]
    )
    office_unit_id: uuid.UUID | None = Field(
        default=None,
        description="Phòng, ban trong danh mục đơn vị (đơn vị được kiểm tra hoặc cấp dưới)",
    )
    observed_at: Annotated[Instant, WORK_YEARS] | None = Field(
        default=None,
        description="Thời điểm điểm danh (RFC 3339, có múi giờ)",
        examples=["2021-02-22T16:15:00+07:00"],
    )
    headcounts: dict[StaffCategory, HeadcountInput] = Field(
        min_length=1,
        description=(
            f"{CATEGORIES}. Tổng số = có mặt + vắng có lý do + vắng không lý do; đi muộn không"
            " quá số có mặt."
        ),
    )


class AttendanceWrite(AttendanceFields):
    """Body of PUT .../attendance-records/{record_id}: the office's record at `version`."""

    model_config = ConfigDict(json_schema_extra={"examples": [KY_SON]})

    version: Version = Field(description=VERSION)


class AttendanceRead(BaseModel):
    """One office's attendance as the API returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [ATTENDANCE_READ]})

    id: uuid.UUID
    version: int
    office_name: str
    office_unit_id: uuid.UUID | None
    observed_at: VnDatetime | None
    headcounts: dict[StaffCategory, Headcount]
    total: Headcount = Field(description="Cộng mọi loại")
    recorded_by: str | None = Field(description="Người ghi (ẩn với đơn vị được kiểm tra)")
    recorded_at: VnDatetime
    updated_at: VnDatetime


class StaffingComparison(BaseModel):
    """The counted staff on roll beside what the registry records for the visited unit."""

    as_of: date = Field(description="Biên chế ghi nhận tính đến ngày")
    recorded: dict[StaffCategory, int] = Field(description="Biên chế theo danh mục")
    counted: dict[StaffCategory, int] = Field(description="Tổng số theo danh sách khi điểm danh")
    difference: dict[StaffCategory, int] = Field(
        description="Chênh lệch (điểm danh − biên chế), chỉ các loại có chênh lệch"
    )
    differs: bool = Field(description="Có chênh lệch giữa điểm danh và biên chế")


class AttendanceOverview(BaseModel):
    """Every office's attendance, the totals, and how they compare with staffing."""

    model_config = ConfigDict(json_schema_extra={"examples": [ATTENDANCE_OVERVIEW]})

    records: list[AttendanceRead]
    by_category: dict[StaffCategory, Headcount] = Field(description="Cộng mọi phòng, theo loại")
    total: Headcount = Field(description="Cộng mọi phòng, mọi loại")
    staffing: StaffingComparison | None = Field(
        description="So sánh với biên chế; null khi chưa ghi nhận biên chế của đơn vị"
    )
