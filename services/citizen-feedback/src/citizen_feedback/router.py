"""HTTP routes of the citizen-feedback service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from citizen_feedback import service
from citizen_feedback.schemas import RatingCreate, RatingRead
from servicekit.access import Identity, allow
from servicekit.audit import set_resource
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import etag_of

router = APIRouter(prefix="/api/v1/citizen-feedback", tags=["citizen feedback"])


@router.post(
    "/ratings",
    status_code=201,
    summary="Rate a service",
    description=(
        "Người dân đánh giá mức độ hài lòng với dịch vụ hành chính công của đơn vị."
        " Công khai: không cần tài khoản. Đơn vị phải có trong danh mục đơn vị và còn hoạt"
        " động; hệ thống của tỉnh chỉ gửi đánh giá cho đơn vị thuộc tỉnh mình. Cán bộ,"
        " công chức đã đăng nhập cũng được đánh giá, nhưng đánh giá của họ được tính riêng,"
        " không gộp vào đánh giá của người dân; cán bộ của một đơn vị không được đánh giá"
        " đơn vị mình và các đơn vị trực thuộc (403)."
    ),
    responses=problem_responses(400, 403, 422),
)
async def submit_rating(
    request: Request,
    body: RatingCreate,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("feedback.ratings.submit"))],
) -> RatingRead:
    rating = await service.submit_rating(session, data=body, caller=caller)
    read = RatingRead.model_validate(rating, from_attributes=True)
    response.headers["Location"] = f"/api/v1/citizen-feedback/ratings/{rating.id}"
    set_resource(request, response.headers["Location"])
    response.headers["ETag"] = etag_of(read)
    return read


@router.get(
    "/ratings/{rating_id}",
    summary="Read one rating",
    description="Xem một đánh giá.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_rating(
    rating_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("feedback.ratings.read"))],
) -> RatingRead:
    rating = await service.get_rating(session, rating_id=rating_id, caller=caller)
    read = RatingRead.model_validate(rating, from_attributes=True)
    response.headers["ETag"] = etag_of(read)
    return read
