"""HTTP routes of the citizen-feedback service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from citizen_feedback import service
from citizen_feedback.schemas import RatingCreate, RatingRead
from servicekit.access import EVERYONE, Identity, Role, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import answer, answer_created

router = APIRouter(prefix="/api/v1/citizen-feedback", tags=["citizen feedback"])
# A rating may carry what a citizen wrote: those who oversee service quality read it.
RATING_READERS = frozenset({Role.NATIONAL, Role.ADMIN, Role.INSPECTORATE})


@router.post(
    "/ratings",
    operation_id="feedback.ratings.submit",
    response_model=RatingRead,
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
    caller: Annotated[Identity, Depends(allow(EVERYONE))],
) -> Response:
    rating = await service.submit_rating(session, data=body, caller=caller)
    read = RatingRead.model_validate(rating, from_attributes=True)
    location = f"/api/v1/citizen-feedback/ratings/{rating.id}"
    return answer_created(request, read, location=location)


@router.get(
    "/ratings/{rating_id}",
    operation_id="feedback.ratings.read",
    response_model=RatingRead,
    summary="Read one rating",
    description="Xem một đánh giá.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_rating(
    rating_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RATING_READERS, personal_data=True))],
) -> Response:
    rating = await service.get_rating(session, rating_id=rating_id, caller=caller)
    read = RatingRead.model_validate(rating, from_attributes=True)
    return answer(read)
