"""HTTP routes of the visits service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from servicekit.access import Identity, allow
from servicekit.audit import set_resource
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import etag_of
from visits import service
from visits.schemas import VisitCreate, VisitRead

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])


@router.post(
    "/visits",
    status_code=201,
    summary="Start a visit",
    description=(
        "Ghi nhận đoàn kiểm tra bắt đầu làm việc tại đơn vị. Thiết bị hiện trường có thể tự"
        " sinh `id` khi ngoại tuyến; gửi lại cùng nội dung trả 200 với bản ghi đã có."
    ),
    responses={
        200: {"model": VisitRead, "description": "Already recorded (offline sync)"},
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def start_visit(
    request: Request,
    body: VisitCreate,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("visits.visits.start"))],
) -> VisitRead:
    visit, created = await service.start_visit(session, data=body, caller=caller)
    read = VisitRead.model_validate(visit, from_attributes=True)
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/visits/visits/{visit.id}"
    set_resource(request, response.headers["Location"])
    response.headers["ETag"] = etag_of(read)
    return read


@router.get(
    "/visits/{visit_id}",
    summary="Read one visit",
    description="Xem một cuộc kiểm tra tại đơn vị.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_visit(
    visit_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("visits.visits.read"))],
) -> VisitRead:
    visit = await service.get_visit(session, visit_id=visit_id, caller=caller)
    read = VisitRead.model_validate(visit, from_attributes=True)
    response.headers["ETag"] = etag_of(read)
    return read
