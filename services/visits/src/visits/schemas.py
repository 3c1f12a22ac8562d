"""Request and response bodies of the visits service."""

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from servicekit.text import FreeText
from servicekit.times import WORK_YEARS, Instant, VnDatetime


class VisitBase(BaseModel):
    """Fields a client gives when a visit starts."""

    unit_id: uuid.UUID = Field(description="Đơn vị được kiểm tra")
    started_at: Annotated[Instant, WORK_YEARS] = Field(
        description="Thời điểm bắt đầu (RFC 3339, có múi giờ), từ năm 2000 đến 2100",
        examples=["2024-02-19T16:15:00+07:00"],
    )
    surprise: StrictBool = Field(default=False, description="Kiểm tra đột xuất")
    note: FreeText | None = Field(default=None, max_length=4000, description="Ghi chú")
    inspection_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Cuộc kiểm tra đã lên lịch mà chuyến làm việc này thực hiện; khi bắt đầu, cuộc kiểm"
            " tra đột xuất hết bị giữ kín."
        ),
    )


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
                }
            ]
        },
    )

    id: uuid.UUID | None = Field(default=None, description="Client-generated id (UUID)")


class VisitRead(VisitBase):
    """A visit as the API returns it."""

    id: uuid.UUID
    started_at: VnDatetime
    status: Literal["started"]
    created_at: VnDatetime
