"""Request and response bodies for checklist templates."""

import uuid
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from contracts.plans import ChecklistCategory, Criterion
from servicekit.text import FreeText, Name
from servicekit.times import VnDatetime

CATEGORIES_EXAMPLE: list[JsonValue] = [
    {
        "code": "GIO",
        "title": "Thời giờ làm việc",
        "criteria": [
            {
                "code": "GIO.1",
                "title": "Có mặt đúng giờ, không đi muộn, về sớm",
                "legal_basis": "Chỉ thị 26/CT-TTg",
                "weight": 2,
            }
        ],
    }
]


CATEGORIES = "Nhóm tiêu chí, mỗi nhóm có các tiêu chí"


class CriterionInput(Criterion):
    """A criterion as a request body gives it: a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid")


class ChecklistCategoryInput(ChecklistCategory):
    """A category as a request body gives it: a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[CriterionInput] = Field(min_length=1, max_length=200)


class ChecklistContent(BaseModel):
    """What one version of a checklist holds."""

    name: Name = Field(min_length=1, max_length=255, description="Tên bộ tiêu chí")
    categories: Sequence[ChecklistCategory] = Field(
        min_length=1, max_length=50, description=CATEGORIES
    )
    note: FreeText | None = Field(
        default=None, max_length=2000, description="Ghi chú về phiên bản (điều gì thay đổi)"
    )


class ChecklistCreate(ChecklistContent):
    """Body of POST /api/v1/plans/checklists: the template and its version 1."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Bộ tiêu chí kiểm tra công vụ", "categories": CATEGORIES_EXAMPLE}]
        },
    )

    categories: list[ChecklistCategoryInput] = Field(
        min_length=1, max_length=50, description=CATEGORIES
    )
    description: FreeText | None = Field(default=None, max_length=2000)


class ChecklistVersionCreate(ChecklistContent):
    """Body of POST /api/v1/plans/checklists/{id}/versions: the whole new version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Bộ tiêu chí kiểm tra công vụ",
                    "categories": CATEGORIES_EXAMPLE,
                    "note": "Thêm tiêu chí về camera tại bộ phận một cửa",
                }
            ]
        },
    )

    categories: list[ChecklistCategoryInput] = Field(
        min_length=1, max_length=50, description=CATEGORIES
    )


VERSION_EXAMPLE: JsonValue = {
    "checklist_id": "0193a5d2-0000-7000-8000-00000000c001",
    "version": 2,
    "name": "Bộ tiêu chí kiểm tra công vụ",
    "categories": CATEGORIES_EXAMPLE,
    "note": "Thêm tiêu chí về camera tại bộ phận một cửa",
    "published_by": "thanh.tra.tinh",
    "published_at": "2024-01-05T09:00:00+07:00",
}


class ChecklistVersionRead(ChecklistContent):
    """One published version of a checklist."""

    model_config = ConfigDict(json_schema_extra={"examples": [VERSION_EXAMPLE]})

    checklist_id: uuid.UUID
    version: int
    published_by: str
    published_at: VnDatetime


class ChecklistRead(BaseModel):
    """A checklist template with its current version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0193a5d2-0000-7000-8000-00000000c001",
                    "province_id": None,
                    "description": "Kỷ luật, kỷ cương hành chính",
                    "current_version": 2,
                    "current": VERSION_EXAMPLE,
                    "created_at": "2023-12-01T09:00:00+07:00",
                    "updated_at": "2024-01-05T09:00:00+07:00",
                }
            ]
        }
    )

    id: uuid.UUID
    province_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Tỉnh quản lý bộ tiêu chí (đơn vị cấp cao nhất trong danh mục); không có: bộ tiêu"
            " chí của Bộ Nội vụ, tỉnh nào cũng dùng được nhưng không sửa được"
        ),
    )
    description: str | None = None
    current_version: int
    current: ChecklistVersionRead
    created_at: VnDatetime
    updated_at: VnDatetime
