"""Request and response bodies for checklist templates."""

import uuid

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from contracts.plans import ChecklistCategory
from servicekit.text import NfcText
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


class ChecklistContent(BaseModel):
    """What one version of a checklist holds."""

    name: NfcText = Field(min_length=1, max_length=255, description="Tên bộ tiêu chí")
    categories: list[ChecklistCategory] = Field(
        min_length=1, max_length=50, description="Nhóm tiêu chí, mỗi nhóm có các tiêu chí"
    )
    note: NfcText | None = Field(
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

    description: NfcText | None = Field(default=None, max_length=2000)


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


class ChecklistVersionRead(ChecklistContent):
    """One published version of a checklist."""

    checklist_id: uuid.UUID
    version: int
    published_by: str
    published_at: VnDatetime


class ChecklistRead(BaseModel):
    """A checklist template with its current version."""

    id: uuid.UUID
    description: str | None = None
    current_version: int
    current: ChecklistVersionRead
    created_at: VnDatetime
    updated_at: VnDatetime
