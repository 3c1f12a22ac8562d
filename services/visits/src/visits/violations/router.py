"""HTTP routes of violations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import answer, answer_created
from visits import service
from visits.auth import RECORDERS
from visits.violations import service as violations
from visits.violations.schemas import ViolationRead, ViolationWrite

router = APIRouter(prefix="/api/v1/visits", tags=["visits: violations"])


@router.put(
    "/visits/{visit_id}/violations/{violation_id}",
    operation_id="visits.violations.record",
    response_model=ViolationRead,
    status_code=201,
    summary="Record a violation",
    description=(
        "Ghi một vi phạm: nhóm (và tiêu chí) của bộ tiêu chí cuộc kiểm tra áp dụng, mức độ, đơn"
        " vị vi phạm (đơn vị được kiểm tra hoặc cấp dưới), người vi phạm nếu có (dữ liệu cá"
        " nhân), mô tả. Vi phạm cùng nhóm tại cùng đơn vị hoặc của cùng người trong 12 tháng"
        " trước được đánh dấu tái phạm (repeat_of). `violation_id` do thiết bị sinh; gửi lại"
        " cùng phiên bản không thay đổi gì, phiên bản cao hơn thay thế. Biên bản đã niêm phong:"
        " 409. Chỉ thành viên đoàn."
    ),
    responses={
        200: {"model": ViolationRead, "description": "Replaced, or already recorded"},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def put_violation(
    request: Request,
    visit_id: uuid.UUID,
    violation_id: uuid.UUID,
    body: ViolationWrite,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
) -> Response:
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    current = await violations.get_violation(session, visit=visit, violation_id=violation_id)
    violation = await violations.put_violation(
        session, visit=visit, current=current, violation_id=violation_id, data=body, caller=caller
    )
    # The team recording it reads whom it names.
    person = await violations.person_of(session, violation)
    read = violations.violation_read(violation, person, show_recorders=True)
    if current is not None:
        return answer(read)
    location = f"/api/v1/visits/visits/{visit.id}/violations/{violation.id}"
    return answer_created(request, read, location=location)
