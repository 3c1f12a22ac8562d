"""Request and response bodies of the plans service."""

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contracts.plans import UnitLevel
from servicekit.text import NfcText
from servicekit.times import VnDatetime


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


class UnitRead(UnitBase):
    """A unit as the API returns it."""

    id: uuid.UUID
    created_at: VnDatetime
