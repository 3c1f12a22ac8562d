"""Request and response bodies for inspection teams."""

import uuid
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from contracts.plans import TeamMember
from servicekit.text import Code, Name
from servicekit.times import RECORD_YEARS, Day, VnDatetime
from servicekit.updates import NonNullable

EXAMPLE: JsonDict = {
    "name": "Đoàn kiểm tra công vụ số 1",
    "decision_number": "Số 45/QĐ-UBND",
    "decision_date": "2021-02-01",
    "decision_issuer": "UBND tỉnh Nghệ An",
    "members": [
        {
            "subject": "nguyen.van.an",
            "full_name": "Nguyễn Văn An",
            "role": "leader",
            "position": "Phó Giám đốc Sở Nội vụ",
        },
        {"subject": "tran.thi.binh", "full_name": "Trần Thị Bình", "role": "member"},
    ],
    "valid_from": "2021-02-01",
    "valid_to": "2021-12-31",
}


# A team's decision and validity are records: they may go back to 1945.
TeamDate = Annotated[Day, RECORD_YEARS]
MEMBERS = "Thành viên; đúng một trưởng đoàn (leader)."


class TeamMemberInput(TeamMember):
    """A member as a request body gives them: a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid")


class TeamBase(BaseModel):
    """Fields a client gives for a team."""

    name: Name = Field(min_length=1, max_length=255, description="Tên đoàn kiểm tra")
    decision_number: Code = Field(
        min_length=1, max_length=100, description="Số quyết định thành lập đoàn"
    )
    decision_date: TeamDate = Field(description="Ngày ký quyết định")
    decision_issuer: Name = Field(
        min_length=1, max_length=255, description="Cơ quan ban hành quyết định"
    )
    members: Sequence[TeamMember] = Field(min_length=1, max_length=50, description=MEMBERS)
    valid_from: TeamDate = Field(description="Đoàn hoạt động từ ngày")
    valid_to: TeamDate | None = Field(default=None, description="Đến ngày (bỏ trống: chưa hết hạn)")


class TeamCreate(TeamBase):
    """Body of POST /api/v1/plans/teams."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    members: list[TeamMemberInput] = Field(min_length=1, max_length=50, description=MEMBERS)


class TeamUpdate(BaseModel):
    """Body of PATCH /api/v1/plans/teams/{id}: only the fields given change."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"valid_to": "2021-06-30"}]}
    )

    name: NonNullable[Name] = Field(default=None, min_length=1, max_length=255)
    members: NonNullable[list[TeamMemberInput]] = Field(default=None, min_length=1, max_length=50)
    valid_from: NonNullable[TeamDate] = None
    valid_to: TeamDate | None = None


class TeamRead(TeamBase):
    """A team as the API returns it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                EXAMPLE
                | {
                    "id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
                    "province_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "created_at": "2021-02-01T09:00:00+07:00",
                    "updated_at": None,
                }
            ]
        }
    )

    id: uuid.UUID
    province_id: uuid.UUID | None = Field(
        default=None,
        description="Tỉnh quản lý đoàn (đơn vị cấp cao nhất trong danh mục)",
    )
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
