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


class UnitScorecard(BaseModel):
    """Một đơn vị trong báo cáo: thông tin danh mục và số liệu hoạt động."""

    unit_id: uuid.UUID
    code: str | None = Field(description="Mã đơn vị", examples=["22"])
    name: str | None = Field(description="Tên đơn vị", examples=["Tỉnh Quảng Ninh"])
    level: str | None = Field(examples=["province"])
    level_label: str | None = Field(description="Cấp đơn vị", examples=["Tỉnh, thành phố"])
    parent_id: uuid.UUID | None
    visits_started: int = Field(description="Số cuộc kiểm tra đã tiến hành")
    inspections_started: int = Field(
        description=(
            "Số cuộc kiểm tra theo kế hoạch đã bắt đầu; kiểm tra đột xuất chỉ được tính từ khi"
            " đoàn bắt đầu làm việc"
        )
    )
    ratings_count: int = Field(description="Số lượt đánh giá của người dân")
    satisfaction_average: float | None = Field(
        description="Điểm hài lòng trung bình (1–5)", examples=[4.5]
    )
    updated_at: VnDatetime
