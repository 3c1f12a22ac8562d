"""Request and response bodies of the plans service."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.plans import StaffCategory, UnitKind, UnitLevel
from servicekit.text import NfcText
from servicekit.times import VnDatetime
from servicekit.updates import refuse_null


class UnitBase(BaseModel):
    """Fields a client gives for a unit."""

    code: NfcText = Field(
        min_length=1,
        max_length=50,
        pattern=r"^[0-9A-Za-z._-]+$",
        description="Mã đơn vị chính thức (official code), e.g. '22' for Quảng Ninh.",
        examples=["22"],
    )
    name: NfcText = Field(
        min_length=1, max_length=255, description="Tên đơn vị", examples=["Tỉnh Quảng Ninh"]
    )
    level: UnitLevel = Field(description="Cấp đơn vị", examples=["province"])
    kind: UnitKind | None = Field(
        default=None, description="Loại đơn vị (phường, xã, sở, UBND, trung tâm HCC…)"
    )
    parent_id: uuid.UUID | None = Field(default=None, description="Đơn vị cấp trên")
    valid_from: date | None = Field(default=None, examples=["2025-07-01"])
    valid_to: date | None = None


class UnitCreate(UnitBase):
    """Body of POST /api/v1/plans/units."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "22", "name": "Tỉnh Quảng Ninh", "level": "province"}]
        },
    )


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

    name: NfcText | None = Field(default=None, min_length=1, max_length=255)
    kind: UnitKind | None = None

    _not_null = refuse_null("name")
    parent_id: uuid.UUID | None = None
    successor_id: uuid.UUID | None = Field(
        default=None, description="Đơn vị kế thừa (sau sáp nhập)"
    )
    valid_from: date | None = None
    valid_to: date | None = None


class Staffing(BaseModel):
    """Biên chế: số người trong danh sách của đơn vị theo loại, tính đến một ngày."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"as_of": "2021-02-22", "on_roll": {"civil_servant": 40}}]},
    )

    as_of: date = Field(description="Tính đến ngày")
    on_roll: dict[StaffCategory, Annotated[int, Field(ge=0, le=100_000)]] = Field(
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
    successor_id: uuid.UUID | None = None
    created_at: VnDatetime
    updated_at: VnDatetime | None = None
