"""HTTP routes of amendments."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response

from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import answer_created
from visits import service
from visits.amendments import service as amendments
from visits.amendments.schemas import AmendmentCreate, AmendmentRead
from visits.auth import RECORDERS

router = APIRouter(prefix="/api/v1/visits", tags=["visits: amendments"])


@router.post(
    "/visits/{visit_id}/amendments",
    operation_id="visits.amendments.create",
    response_model=AmendmentRead,
    status_code=201,
    summary="Amend a sealed record",
    description=(
        "Đính chính biên bản đã niêm phong: nêu bản ghi (target: visit, attendance, result,"
        " violation), bản ghi sau đính chính đầy đủ và lý do. Biên bản gốc giữ nguyên; bản đính"
        " chính ghi người, thời điểm và các trường thay đổi, nối vào mã băm của biên bản. Biên"
        " bản chưa niêm phong: 409 (sửa trực tiếp). `id` do thiết bị sinh; gửi lại cùng nội dung"
        " trả 200. Chỉ thành viên đoàn."
    ),
    responses={
        200: {"model": AmendmentRead, "description": "Already recorded (offline sync)"},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def amend_visit(
    request: Request,
    visit_id: uuid.UUID,
    body: Annotated[AmendmentCreate, Body()],
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
) -> Response:
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    existing = await amendments.find_amendment(session, visit=visit, data=body)
    amendment = existing or await amendments.amend(session, visit=visit, data=body, caller=caller)
    # Its author is on the team: the team reads whom a violation names.
    read = amendments.amendment_read(amendment, show_people=True, show_recorders=True)
    location = f"/api/v1/visits/visits/{visit.id}#amendment-{amendment.id}"
    return answer_created(request, read, location=location, new=existing is None)
