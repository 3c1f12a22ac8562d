"""Entity tags for single-resource reads and creations, and `If-Match` checks on updates."""

import hashlib
from collections.abc import Mapping
from typing import Annotated

from fastapi import Header, Request, Response
from pydantic import BaseModel

from servicekit.audit import set_resource
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


def etag_for(body: bytes) -> str:
    """Return a strong ETag for a JSON body."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_of(resource: BaseModel) -> str:
    """Return the ETag `resource` is answered with (see `answer`)."""
    return etag_for(resource.model_dump_json().encode())


def answer(
    resource: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Answer one resource: its JSON serialised once, with the ETag of exactly those bytes.

    The route declares the schema as its `response_model`, for the OpenAPI document.
    """
    body = resource.model_dump_json().encode()
    return Response(
        body,
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": etag_for(body), **(headers or {})},
    )


def answer_created(
    request: Request, resource: BaseModel, *, location: str, new: bool = True
) -> Response:
    """End a create route: the resource's `Location` and `ETag`, and its audit name.

    201 for a new resource; 200 where the request repeats one already made (offline sync).
    """
    set_resource(request, location)
    return answer(resource, status_code=201 if new else 200, headers={"Location": location})


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
