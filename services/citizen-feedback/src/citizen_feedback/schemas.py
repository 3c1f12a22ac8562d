"""Request and response bodies of the citizen-feedback service."""

import uuid

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from contracts.feedback import RaterKind
from servicekit.text import Code, FreeText, Name
from servicekit.times import VnDatetime


class RatingBase(BaseModel):
    """Fields a citizen gives when rating a service."""

    unit_id: uuid.UUID = Field(description="Đơn vị đã phục vụ")
    score: StrictInt = Field(
        ge=1, le=5, description="Mức độ hài lòng: 1 = rất không hài lòng … 5 = rất hài lòng"
    )
    service: Name | None = Field(
        default=None,
        max_length=255,
        description="Dịch vụ / thủ tục",
        examples=["Cấp giấy khai sinh"],
    )
    dossier_code: Code | None = Field(default=None, max_length=100, description="Mã hồ sơ")
    comment: FreeText | None = Field(default=None, max_length=2000, description="Ý kiến")


class RatingCreate(RatingBase):
    """Body of POST /api/v1/citizen-feedback/ratings."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00",
                    "score": 5,
                    "service": "Chứng thực bản sao",
                    "comment": "Cán bộ hướng dẫn tận tình, đúng hẹn.",
                }
            ]
        },
    )


class RatingRead(RatingBase):
    """A rating as the API returns it."""

    id: uuid.UUID
    submitted_at: VnDatetime
    rater: RaterKind = Field(
        description=(
            "Người đánh giá: citizen = người dân (không cần tài khoản), kiosk = hệ thống một"
            " cửa của tỉnh thay người dân, official = cán bộ, công chức (tính riêng)"
        ),
        examples=["citizen"],
    )
