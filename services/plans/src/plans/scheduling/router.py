"""HTTP routes for plans and inspections."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from contracts.plans import InspectionKind, PlanKind
from plans.auth import APPROVERS, PLANNERS
from plans.scheduling import inspection_service, plan_service
from plans.scheduling.schemas import (
    Cancellation,
    InspectionCreate,
    InspectionRead,
    InspectionStatus,
    PlanApproval,
    PlanClosure,
    PlanCreate,
    PlanRead,
    PlanStatus,
    PlanUpdate,
    Reschedule,
)
from servicekit.access import PEOPLE, Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import IfMatch, answer, answer_created, require_match
from servicekit.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/api/v1/plans")
SORT = "Sắp xếp theo trường; `-` đứng trước để giảm dần."
SECRECY = (
    " Kiểm tra đột xuất được giữ kín (đơn vị, thời gian) cho đến khi đoàn bắt đầu làm việc:"
    " chỉ đoàn kiểm tra, người phê duyệt và cơ quan thanh tra thấy; với người khác, cuộc kiểm"
    " tra không tồn tại."
)


@router.post(
    "/plans",
    operation_id="plans.plans.create",
    response_model=PlanRead,
    status_code=201,
    tags=["plans: plans"],
    summary="Draft an inspection plan",
    description="Lập dự thảo kế hoạch kiểm tra công vụ (năm hoặc đột xuất).",
    responses=problem_responses(400, 401, 403, 409, 422),
)
async def create_plan(
    request: Request,
    body: PlanCreate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
) -> Response:
    plan = await plan_service.create_plan(session, data=body, caller=caller)
    return answer_created(request, plan, location=f"/api/v1/plans/plans/{plan.id}")


@router.get(
    "/plans/{plan_id}",
    operation_id="plans.plans.read",
    response_model=PlanRead,
    tags=["plans: plans"],
    summary="Read one plan",
    description=(
        "Xem kế hoạch kiểm tra: số hiệu, cơ quan ban hành, mục đích, đối tượng, trạng thái."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def get_plan(
    plan_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
) -> Response:
    plan = await plan_service.get_plan(session, plan_id=plan_id, caller=caller)
    return answer(await plan_service.plan_read(session, plan=plan, caller=caller))


@router.patch(
    "/plans/{plan_id}",
    operation_id="plans.plans.update",
    response_model=PlanRead,
    tags=["plans: plans"],
    summary="Change a draft plan",
    description=(
        "Sửa dự thảo kế hoạch. Kế hoạch đã duyệt hoặc đã kết thúc: 409. Cần If-Match."
        " Dự thảo chỉ người lập và phê duyệt kế hoạch thấy."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_plan(
    plan_id: uuid.UUID,
    body: PlanUpdate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
    if_match: IfMatch,
) -> Response:
    plan = await plan_service.get_plan(session, plan_id=plan_id, caller=caller)
    current = await plan_service.plan_read(session, plan=plan, caller=caller)
    require_match(if_match, current, what="plan", what_vi="kế hoạch")
    return answer(
        await plan_service.update_plan(
            session, plan=plan, current=current, data=body, caller=caller
        ),
    )


@router.delete(
    "/plans/{plan_id}",
    operation_id="plans.plans.discard",
    status_code=204,
    tags=["plans: plans"],
    summary="Discard a draft plan",
    description=(
        "Hủy bỏ dự thảo kế hoạch. Kế hoạch đã duyệt là văn bản, không xóa được: 409. Cần If-Match."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def discard_plan(
    plan_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
    if_match: IfMatch,
) -> Response:
    plan = await plan_service.get_plan(session, plan_id=plan_id, caller=caller)
    current = await plan_service.plan_read(session, plan=plan, caller=caller)
    require_match(if_match, current, what="plan", what_vi="kế hoạch")
    await plan_service.discard_plan(session, plan=plan)
    return Response(status_code=204)


@router.post(
    "/plans/{plan_id}/approval",
    operation_id="plans.plans.approve",
    response_model=PlanRead,
    tags=["plans: plans"],
    summary="Approve a plan",
    description=(
        "Phê duyệt kế hoạch (dự thảo → đã duyệt), ghi người duyệt và thời điểm: lúc này, hoặc"
        " ngày (thời điểm) trong `approved_on` khi nhập lại kế hoạch đã duyệt trước đây. Khi"
        " duyệt, các nhóm đối tượng được xác định thành danh sách đơn vị trên địa bàn, có hiệu"
        " lực trong năm kế hoạch (resolved_target_unit_ids); nhóm đối tượng không có địa bàn,"
        " hoặc không có đơn vị nào: 409. Cần If-Match."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def approve_plan(
    plan_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(APPROVERS))],
    if_match: IfMatch,
    body: PlanApproval | None = None,
) -> Response:
    plan = await plan_service.get_plan(session, plan_id=plan_id, caller=caller)
    current = await plan_service.plan_read(session, plan=plan, caller=caller)
    require_match(if_match, current, what="plan", what_vi="kế hoạch")
    approved_on = body.approved_on if body is not None else None
    return answer(
        await plan_service.approve_plan(
            session, plan=plan, actor=caller.subject, approved_on=approved_on
        ),
    )


@router.post(
    "/plans/{plan_id}/closure",
    operation_id="plans.plans.close",
    response_model=PlanRead,
    tags=["plans: plans"],
    summary="Close a plan",
    description=(
        "Kết thúc kế hoạch (đã duyệt → kết thúc); các cuộc kiểm tra chưa bắt đầu bị hủy với lý"
        " do 'Kế hoạch đã kết thúc'. Cần If-Match."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def close_plan(
    plan_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(APPROVERS))],
    if_match: IfMatch,
    body: PlanClosure | None = None,  # holds nothing: a field sent in it is refused, not lost
) -> Response:
    plan = await plan_service.get_plan(session, plan_id=plan_id, caller=caller)
    current = await plan_service.plan_read(session, plan=plan, caller=caller)
    require_match(if_match, current, what="plan", what_vi="kế hoạch")
    return answer(
        await plan_service.close_plan(session, plan=plan, actor=caller.subject),
    )


@router.get(
    "/plans",
    operation_id="plans.plans.list",
    tags=["plans: plans"],
    summary="List plans",
    description="Danh sách kế hoạch kiểm tra, lọc theo năm, trạng thái, loại, đơn vị là đối tượng.",
    responses=problem_responses(401, 403, 422),
)
async def list_plans(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
    limit: Limit = 50,
    cursor: Cursor = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: Annotated[PlanStatus | None, Query()] = None,
    kind: Annotated[PlanKind | None, Query()] = None,
    target_unit_id: Annotated[uuid.UUID | None, Query()] = None,
    sort: Annotated[
        plan_service.PlanSort | None,
        Query(description=SORT),
    ] = None,
) -> Page[PlanRead]:
    plans, next_cursor = await plan_service.list_plans(
        session,
        limit=limit,
        cursor=cursor,
        year=year,
        status=status,
        kind=kind,
        target_unit_id=target_unit_id,
        sort=sort,
        caller=caller,
    )
    return Page[PlanRead](items=plans, next_cursor=next_cursor)


@router.post(
    "/inspections",
    operation_id="plans.inspections.schedule",
    response_model=InspectionRead,
    status_code=201,
    tags=["plans: inspections"],
    summary="Schedule an inspection",
    description=(
        "Lên lịch một cuộc kiểm tra theo kế hoạch: đơn vị, loại (theo kế hoạch, đột xuất,"
        " chuyên đề), khoảng thời gian, đoàn và phiên bản bộ tiêu chí (được giữ cố định)."
        " Với `recurrence`, tạo cả chuỗi và trả về lần đầu; các lần sau có chung `series_id`."
        + SECRECY
    ),
    responses=problem_responses(400, 401, 403, 409, 422),
)
async def schedule_inspection(
    request: Request,
    body: InspectionCreate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
) -> Response:
    first = (await inspection_service.schedule(session, data=body, caller=caller))[0]
    read = inspection_service.inspection_read(first)
    return answer_created(request, read, location=f"/api/v1/plans/inspections/{first.id}")


@router.get(
    "/inspections/{inspection_id}",
    operation_id="plans.inspections.read",
    response_model=InspectionRead,
    tags=["plans: inspections"],
    summary="Read one inspection",
    description="Xem một cuộc kiểm tra và lịch sử (lên lịch, dời lịch, hủy, bắt đầu)." + SECRECY,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_inspection(
    inspection_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE, personal_data=True))],
) -> Response:
    inspection = await inspection_service.get_inspection(
        session, inspection_id=inspection_id, caller=caller
    )
    return answer(inspection_service.inspection_read(inspection))


@router.post(
    "/inspections/{inspection_id}/rescheduling",
    operation_id="plans.inspections.reschedule",
    response_model=InspectionRead,
    tags=["plans: inspections"],
    summary="Reschedule an inspection",
    description="Dời lịch cuộc kiểm tra chưa bắt đầu, nêu lý do. Cần If-Match.",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
async def reschedule_inspection(
    inspection_id: uuid.UUID,
    body: Reschedule,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
    if_match: IfMatch,
) -> Response:
    inspection = await inspection_service.get_inspection(
        session, inspection_id=inspection_id, caller=caller
    )
    require_match(
        if_match,
        inspection_service.inspection_read(inspection),
        what="inspection",
        what_vi="cuộc kiểm tra",
    )
    inspection = await inspection_service.reschedule(
        session, inspection=inspection, data=body, actor=caller.subject
    )
    return answer(inspection_service.inspection_read(inspection))


@router.post(
    "/inspections/{inspection_id}/cancellation",
    operation_id="plans.inspections.cancel",
    response_model=InspectionRead,
    tags=["plans: inspections"],
    summary="Cancel an inspection",
    description="Hủy cuộc kiểm tra chưa bắt đầu, nêu lý do. Cần If-Match.",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
async def cancel_inspection(
    inspection_id: uuid.UUID,
    body: Cancellation,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
    if_match: IfMatch,
) -> Response:
    inspection = await inspection_service.get_inspection(
        session, inspection_id=inspection_id, caller=caller
    )
    require_match(
        if_match,
        inspection_service.inspection_read(inspection),
        what="inspection",
        what_vi="cuộc kiểm tra",
    )
    inspection = await inspection_service.cancel(
        session, inspection=inspection, reason=body.reason, actor=caller.subject
    )
    return answer(inspection_service.inspection_read(inspection))


@router.get(
    "/inspections",
    operation_id="plans.inspections.list",
    tags=["plans: inspections"],
    summary="List inspections",
    description=(
        "Danh sách cuộc kiểm tra người gọi được xem, lọc theo kế hoạch, chuỗi, đơn vị, đoàn,"
        " loại, trạng thái." + SECRECY
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_inspections(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE, personal_data=True))],
    limit: Limit = 50,
    cursor: Cursor = None,
    plan_id: Annotated[uuid.UUID | None, Query()] = None,
    series_id: Annotated[uuid.UUID | None, Query()] = None,
    target_unit_id: Annotated[uuid.UUID | None, Query()] = None,
    team_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[InspectionKind | None, Query()] = None,
    status: Annotated[InspectionStatus | None, Query()] = None,
    sort: Annotated[
        inspection_service.InspectionSort | None,
        Query(description=SORT),
    ] = None,
) -> Page[InspectionRead]:
    inspections, next_cursor = await inspection_service.list_inspections(
        session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        plan_id=plan_id,
        series_id=series_id,
        target_unit_id=target_unit_id,
        team_id=team_id,
        kind=kind,
        status=status,
        sort=sort,
    )
    return Page[InspectionRead](
        items=[inspection_service.inspection_read(i) for i in inspections], next_cursor=next_cursor
    )
