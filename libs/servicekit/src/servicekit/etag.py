"""Entity tags for single-resource reads, and `If-Match` checks on updates."""

import hashlib
from typing import Annotated

from fastapi import Header
from pydantic import BaseModel

from servicekit.errors import PreconditionFailed

# Required on updates of what people edit together; its absence is answered 428, not 422
# (servicekit.errors maps it), so the OpenAPI marks it required and the API says why.
IfMatch = Annotated[
    str,
    Header(
        description=(
            "ETag của phiên bản vừa đọc (`*`: phiên bản hiện tại, bất kể là gì)."
            " Thiếu: 428; phiên bản đã đổi: 412."
        ),
    ),
]


def etag_of(resource: BaseModel) -> str:
    """Return a strong ETag for the JSON form of `resource`."""
    digest = hashlib.sha256(resource.model_dump_json().encode()).hexdigest()[:32]
    return f'"{digest}"'


def require_match(
    if_match: str, current: BaseModel, *, what: str, what_vi: str | None = None
) -> None:
    """Refuse an update unless `If-Match` names the version of `current` the caller read.

    `what` and `what_vi` name the resource in English and Vietnamese ("plan", "kế hoạch").
    """
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and etag_of(current) not in tags:
        named = "Dữ liệu" if what_vi is None else what_vi[:1].upper() + what_vi[1:]
        raise PreconditionFailed(
            f"The {what} changed since you read it; read it again.",
            vi=f"{named} đã thay đổi từ khi bạn đọc; hãy đọc lại.",
        )
