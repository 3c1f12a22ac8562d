"""HTTP routes of attendance records."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import answer, answer_created
from visits import service
from visits.attendance import service as attendance
from visits.attendance.schemas import AttendanceRead, AttendanceWrite
from visits.auth import RECORDERS

router = APIRouter(prefix="/api/v1/visits", tags=["visits: attendance"])


@router.put(
    "/visits/{visit_id}/attendance-records/{record_id}",
    operation_id="visits.attendance.record",
    response_model=AttendanceRead,
    status_code=201,
    summary="Record an office's attendance",
    description=(
        "Ghi điểm danh một phòng, ban theo loại cán bộ: tổng số theo danh sách, có mặt, vắng có"
        " lý do (nghỉ phép, công tác, đi học, ốm, lý do khác), vắng không lý do, đi muộn. Số"
        " liệu không khớp (tổng số khác có mặt cộng vắng; đi muộn nhiều hơn có mặt): 422 nêu"
        " từng trường. `record_id` do thiết bị sinh; gửi lại cùng phiên bản không thay đổi gì"
        " (200), phiên bản cao hơn thay thế (200), phiên bản cũ hoặc cùng phiên bản khác nội"
        " dung: 409. Biên bản đã niêm phong: 409. Chỉ thành viên đoàn."
    ),
    responses={
        200: {"model": AttendanceRead, "description": "Replaced, or already recorded"},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def put_attendance(
    request: Request,
    visit_id: uuid.UUID,
    record_id: uuid.UUID,
    body: AttendanceWrite,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
) -> Response:
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    current = await attendance.get_record(session, visit=visit, record_id=record_id)
    record = await attendance.put_record(
        session, visit=visit, current=current, record_id=record_id, data=body, caller=caller
    )
    read = attendance.attendance_read(record, show_recorders=True)
    if current is not None:
        return answer(read)
    location = f"/api/v1/visits/visits/{visit.id}/attendance-records/{record.id}"
    return answer_created(request, read, location=location)
