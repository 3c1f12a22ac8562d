"""HTTP routes of a visit's lifecycle: start, read, list, no access, submission."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import IfMatch, answer, answer_created, require_match
from servicekit.pagination import Cursor, Limit, Page
from visits import service
from visits.auth import READERS, RECORDERS
from visits.record import VisitRead, visit_read
from visits.schemas import NoAccessFields, Submission, VisitCreate, VisitStatus, VisitSummary

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])
SORT = "Sắp xếp theo trường; `-` đứng trước để giảm dần."
WHO_READS = (
    " Đơn vị được kiểm tra (lãnh đạo, công chức) chỉ thấy cuộc kiểm tra tại đơn vị mình khi"
    " biên bản đã niêm phong, và không bao giờ thấy cuộc kiểm tra đột xuất còn giữ kín; người"
    " vi phạm chỉ cơ quan thanh tra và thành viên đoàn xem được (mọi lượt xem được ghi nhật ký)."
)


@router.post(
    "/visits",
    operation_id="visits.visits.start",
    response_model=VisitRead,
    status_code=201,
    summary="Start a visit",
    description=(
        "Ghi nhận đoàn kiểm tra bắt đầu làm việc tại đơn vị: theo một cuộc kiểm tra đã lên lịch"
        " (chỉ thành viên đoàn của nó; khi bắt đầu, cuộc kiểm tra đột xuất hết bị giữ kín), hoặc"
        " không theo lịch, nêu căn cứ. Thiết bị hiện trường có thể tự sinh `id` khi ngoại tuyến;"
        " gửi lại cùng nội dung trả 200 với bản ghi đã có."
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
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
) -> Response:
    existing = await service.find_started(session, data=body, caller=caller)
    visit = existing or await service.start_visit(session, data=body, caller=caller)
    read = await visit_read(session, visit=visit, caller=caller)
    return answer_created(
        request, read, location=f"/api/v1/visits/visits/{visit.id}", new=existing is None
    )


@router.get(
    "/visits/{visit_id}",
    operation_id="visits.visits.read",
    response_model=VisitRead,
    summary="Read one visit",
    description=(
        "Xem biên bản một cuộc kiểm tra tại đơn vị: điểm danh theo phòng, ban (so với biên chế),"
        " kết quả theo bộ tiêu chí và điểm, vi phạm, đính chính." + WHO_READS
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def get_visit(
    visit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(READERS, personal_data=True))],
) -> Response:
    visit = await service.get_visit(session, visit_id=visit_id, caller=caller)
    return answer(await visit_read(session, visit=visit, caller=caller))


@router.get(
    "/visits",
    operation_id="visits.visits.list",
    summary="List visits",
    description="Danh sách cuộc kiểm tra tại đơn vị, lọc theo cuộc kiểm tra, đơn vị, trạng thái."
    + WHO_READS,
    responses=problem_responses(401, 403, 422),
)
async def list_visits(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(READERS, personal_data=True))],
    limit: Limit = 50,
    cursor: Cursor = None,
    inspection_id: Annotated[uuid.UUID | None, Query()] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Đơn vị được kiểm tra")] = None,
    status: Annotated[VisitStatus | None, Query()] = None,
    sort: Annotated[service.VisitSort | None, Query(description=SORT)] = None,
) -> Page[VisitSummary]:
    return await service.list_visits(
        session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        inspection_id=inspection_id,
        unit_id=unit_id,
        status=status,
        sort=sort,
    )


@router.post(
    "/visits/{visit_id}/no-access",
    operation_id="visits.visits.no_access",
    response_model=VisitRead,
    summary="Record that the team found no access",
    description=(
        "Ghi nhận đoàn không tiếp cận được đơn vị (trụ sở đóng cửa, không có người tiếp đoàn),"
        " nêu lý do và thời điểm; biên bản được niêm phong. Chỉ khi chưa ghi nhận gì khác."
        " Cần If-Match."
    ),
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
async def record_no_access(
    visit_id: uuid.UUID,
    body: NoAccessFields,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
    if_match: IfMatch,
) -> Response:
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    current = await visit_read(session, visit=visit, caller=caller)
    require_match(if_match, current, what="visit", what_vi="cuộc kiểm tra")
    visit = await service.record_no_access(session, visit=visit, data=body, caller=caller)
    return answer(await visit_read(session, visit=visit, caller=caller))


@router.post(
    "/visits/{visit_id}/submission",
    operation_id="visits.visits.submit",
    response_model=VisitRead,
    summary="Submit a visit's record",
    description=(
        "Nộp biên bản: từ đây biên bản được niêm phong bằng mã băm SHA-256 (digest) và không"
        " sửa được nữa; sai sót được đính chính (amendments). Cần If-Match của bản vừa xem."
    ),
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
async def submit_visit(
    visit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
    if_match: IfMatch,
    body: Submission | None = None,  # holds nothing: a field sent in it is refused, not lost
) -> Response:
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    current = await visit_read(session, visit=visit, caller=caller)
    require_match(if_match, current, what="visit", what_vi="cuộc kiểm tra")
    visit = await service.submit(session, visit=visit, caller=caller)
    return answer(await visit_read(session, visit=visit, caller=caller))
