"""Evidence records as the API returns them."""

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from servicekit.times import VnDatetime

MediaTypeName = Literal[
    "image/jpeg",
    "image/png",
    "image/heic",
    "image/heic-sequence",
    "image/heif",
    "image/heif-sequence",
    "application/pdf",
]


class CaptureTime(BaseModel):
    """When a photo was taken, as its EXIF says."""

    at: VnDatetime = Field(
        description="Thời điểm chụp (DateTimeOriginal)", examples=["2024-02-19T16:15:00+07:00"]
    )
    from_exif: bool = Field(description="Đọc từ EXIF của ảnh")
    offset_assumed: bool = Field(
        description=(
            "EXIF không ghi múi giờ (OffsetTimeOriginal): giờ của máy ảnh được hiểu là giờ Việt"
            " Nam (Asia/Ho_Chi_Minh, +07:00)"
        )
    )


class GpsPosition(BaseModel):
    """Where a photo was taken (WGS 84), as its EXIF says."""

    latitude: float = Field(ge=-90, le=90, description="Vĩ độ", examples=[21.0285])
    longitude: float = Field(ge=-180, le=180, description="Kinh độ", examples=[105.8542])
    from_exif: bool = Field(description="Đọc từ EXIF của ảnh")


class EvidenceRead(BaseModel):
    """A file the server holds for a visit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "visit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "media_type": "image/jpeg",
                    "size": 2483712,
                    "captured_at": {
                        "at": "2024-02-19T16:15:00+07:00",
                        "from_exif": True,
                        "offset_assumed": True,
                    },
                    "gps": {"latitude": 19.4152, "longitude": 104.2189, "from_exif": True},
                    "uploaded_by": "nguyen.van.an",
                    "uploaded_at": "2024-02-19T16:20:41+07:00",
                }
            ]
        }
    )

    visit_id: uuid.UUID
    sha256: str = Field(description="SHA-256 của tệp (hex, chữ thường)")
    media_type: MediaTypeName = Field(description="Loại tệp, xác định theo nội dung")
    size: int = Field(ge=0, description="Kích thước (byte)")
    captured_at: CaptureTime | None = Field(description="Thời điểm chụp; null nếu EXIF không có")
    gps: GpsPosition | None = Field(description="Vị trí chụp; null nếu EXIF không có")
    uploaded_by: str = Field(description="Người tải lên (subject)")
    uploaded_at: VnDatetime
