"""Response bodies of the reporting service."""

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from servicekit.times import VnDatetime


class AuditEntryRead(BaseModel):
    """Một dòng nhật ký: ai, với vai trò và đơn vị nào, đã làm gì, kết quả ra sao."""

    entry_id: uuid.UUID
    at: VnDatetime = Field(description="Thời điểm")
    service: str = Field(examples=["plans"])
    operation: str = Field(description="Thao tác", examples=["plans.units.register"])
    actor: str = Field(description="Người hoặc hệ thống thực hiện")
    role: str | None = Field(description="Vai trò", examples=["admin"])
    unit_code: str | None = Field(description="Mã đơn vị của người thực hiện")
    client_id: str | None = Field(description="Hệ thống của tỉnh (nếu có)")
    resource: str = Field(description="Đối tượng", examples=["/api/v1/plans/units/0193a5d2-…"])
    request_id: str | None
    outcome: Literal["succeeded", "refused", "failed"] = Field(description="Kết quả")
    status: int | None = Field(description="Mã HTTP khi bị từ chối hoặc lỗi")
    count: int = Field(
        description="Số lần thao tác: các lần bị từ chối lặp lại được gộp thành một dòng",
        examples=[1],
    )


class UnitFigures(BaseModel):
    """Số liệu hoạt động: kiểm tra và đánh giá hài lòng."""

    inspections_started: int = Field(
        description=(
            "Số cuộc kiểm tra đã bắt đầu; mỗi cuộc tính một lần, dù có bao nhiêu lượt làm"
            " việc tại chỗ. Kiểm tra đột xuất chỉ được tính từ khi đoàn bắt đầu làm việc"
        ),
        examples=[1],
    )
    visits_started: int = Field(
        description="Số lượt kiểm tra: các buổi làm việc tại chỗ của đoàn", examples=[2]
    )
    ratings_count: int = Field(
        description=(
            "Số lượt đánh giá của người dân, trực tiếp hoặc qua hệ thống một cửa của tỉnh"
        ),
        examples=[5],
    )
    satisfaction_average: float | None = Field(
        description="Điểm hài lòng trung bình của người dân (1–5)", examples=[4.5]
    )
    official_ratings_count: int = Field(
        description="Số lượt đánh giá của cán bộ, công chức: tính riêng, không gộp với người dân",
        examples=[0],
    )
    official_satisfaction_average: float | None = Field(
        description="Điểm trung bình các đánh giá của cán bộ, công chức (1–5)", examples=[None]
    )


class UnitScorecard(UnitFigures):
    """Một đơn vị trong báo cáo: số liệu gồm cả đơn vị trực thuộc; `own` là của riêng đơn vị."""

    unit_id: uuid.UUID
    code: str | None = Field(description="Mã đơn vị", examples=["22"])
    name: str | None = Field(description="Tên đơn vị", examples=["Tỉnh Quảng Ninh"])
    level: str | None = Field(examples=["province"])
    level_label: str | None = Field(description="Cấp đơn vị", examples=["Tỉnh, thành phố"])
    parent_id: uuid.UUID | None
    own: UnitFigures = Field(description="Số liệu của riêng đơn vị, không kể đơn vị trực thuộc")
    updated_at: VnDatetime
