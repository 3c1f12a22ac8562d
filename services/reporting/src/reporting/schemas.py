"""Response bodies of the reporting service."""

import uuid

from pydantic import BaseModel, Field

from servicekit.times import VnDatetime


class UnitScorecard(BaseModel):
    """Một đơn vị trong báo cáo: thông tin danh mục và số liệu hoạt động."""

    unit_id: uuid.UUID
    code: str | None = Field(description="Mã đơn vị", examples=["22"])
    name: str | None = Field(description="Tên đơn vị", examples=["Tỉnh Quảng Ninh"])
    level: str | None = Field(examples=["province"])
    level_label: str | None = Field(description="Cấp đơn vị", examples=["Tỉnh, thành phố"])
    parent_id: uuid.UUID | None
    visits_started: int = Field(description="Số cuộc kiểm tra đã tiến hành")
    ratings_count: int = Field(description="Số lượt đánh giá của người dân")
    satisfaction_average: float | None = Field(
        description="Điểm hài lòng trung bình (1–5)", examples=[4.5]
    )
    updated_at: VnDatetime
