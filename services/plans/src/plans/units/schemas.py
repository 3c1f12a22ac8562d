"""Request and response bodies of the plans service."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from contracts.plans import SUCCESSORS, StaffCategory, UnitKind, UnitLevel
from plans.units.rules import KINDS_DOC
from servicekit.text import Code, Name
from servicekit.times import RECORD_YEARS, Day, VnDatetime
from servicekit.updates import NonNullable

# A unit's dates and staffing are records: they may go back to 1945.
UnitDate = Annotated[Day, RECORD_YEARS]


class UnitBase(BaseModel):
    """Fields a client gives for a unit."""

    code: Code = Field(
        min_length=1,
        max_length=50,
        pattern=r"^[0-9A-Za-z._-]+$",
        description="Mã đơn vị chính thức (official code), e.g. '22' for Quảng Ninh.",
        examples=["22"],
    )
    name: Name = Field(
        min_length=1, max_length=255, description="Tên đơn vị", examples=["Tỉnh Quảng Ninh"]
    )
    level: UnitLevel = Field(description="Cấp đơn vị", examples=["province"])
    kind: UnitKind | None = Field(
        default=None,
        description=f"Loại đơn vị (phường, xã, sở, UBND, trung tâm HCC…), theo cấp: {KINDS_DOC}",
    )
    parent_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Đơn vị cấp trên, ở cấp cao hơn (tỉnh trên huyện, huyện trên xã); đơn vị chỉ có"
            " hiệu lực trong thời gian đơn vị cấp trên có hiệu lực"
        ),
    )
    valid_from: UnitDate | None = Field(default=None, examples=["2025-07-01"])
    valid_to: UnitDate | None = None


SuccessorIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=200,
        description=(
            "Đơn vị kế thừa khi đơn vị đã đóng (valid_to): một đơn vị sau sáp nhập, nhiều đơn vị"
            " khi chia tách (huyện trước 2025 thành các xã)"
        ),
    ),
]


class UnitCreate(UnitBase):
    """Body of POST /api/v1/plans/units."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "22", "name": "Tỉnh Quảng Ninh", "level": "province"}]
        },
    )

    successor_ids: SuccessorIds = Field(default_factory=list)


class UnitUpdate(BaseModel):
    """Body of PATCH /api/v1/plans/units/{id}: only the fields given change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"valid_to": "2025-06-30", "successor_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00"}
            ]
        },
    )

    name: NonNullable[Name] = Field(default=None, min_length=1, max_length=255)
    kind: UnitKind | None = None
    parent_id: uuid.UUID | None = None
    successor_id: uuid.UUID | None = Field(
        default=None,
        description="Đơn vị kế thừa duy nhất (sau sáp nhập); null: không còn đơn vị kế thừa",
    )
    successor_ids: NonNullable[SuccessorIds] = None
    valid_from: UnitDate | None = None
    valid_to: UnitDate | None = None


class Staffing(BaseModel):
    """Biên chế: số người trong danh sách của đơn vị theo loại, tính đến một ngày."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"as_of": "2021-02-22", "on_roll": {"civil_servant": 40}}]},
    )

    as_of: UnitDate = Field(description="Tính đến ngày")
    on_roll: dict[StaffCategory, Annotated[StrictInt, Field(ge=0, le=100_000)]] = Field(
        description=(
            "cadre: cán bộ; civil_servant: công chức; public_employee: viên chức;"
            " contract: hợp đồng lao động; non_professional: người hoạt động không"
            " chuyên trách cấp xã"
        ),
    )


class StaffingRead(Staffing):
    """A unit's staff on roll."""

    unit_id: uuid.UUID
    total: int = Field(description="Tổng số")


class UnitRead(UnitBase):
    """A unit as the API returns it."""

    id: uuid.UUID
    successor_id: uuid.UUID | None = Field(
        default=None, description="Đơn vị kế thừa, khi chỉ có một"
    )
    successor_ids: list[uuid.UUID] = Field(default_factory=list, description=SUCCESSORS)
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
