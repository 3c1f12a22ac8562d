"""HTTP routes for checklist templates."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from plans.auth import PLANNERS
from plans.checklists import service
from plans.checklists.schemas import (
    ChecklistCreate,
    ChecklistRead,
    ChecklistVersionCreate,
    ChecklistVersionRead,
)
from plans.tenancy import home
from servicekit.access import PEOPLE, Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import IfMatch, answer, answer_created, require_match
from servicekit.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/api/v1/plans/checklists", tags=["plans: checklists"])


@router.post(
    "",
    operation_id="plans.checklists.create",
    response_model=ChecklistRead,
    status_code=201,
    summary="Create a checklist template",
    description=(
        "Tạo bộ tiêu chí kiểm tra (nhóm tiêu chí, tiêu chí, cách chấm: đạt/không đạt/không áp"
        " dụng, trọng số) và công bố phiên bản 1."
    ),
    responses=problem_responses(400, 401, 403, 422),
)
async def create_checklist(
    request: Request,
    body: ChecklistCreate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
) -> Response:
    checklist = await service.create_checklist(
        session, data=body, actor=caller.subject, province_id=await home(session, caller)
    )
    location = f"/api/v1/plans/checklists/{checklist.id}"
    return answer_created(request, checklist, location=location)


@router.get(
    "/{checklist_id}",
    operation_id="plans.checklists.read",
    response_model=ChecklistRead,
    summary="Read a checklist template",
    description="Xem bộ tiêu chí với phiên bản hiện hành.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_checklist(
    checklist_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
) -> Response:
    checklist = await service.get_checklist(session, checklist_id=checklist_id, caller=caller)
    read = await service.checklist_read(session, checklist=checklist)
    return answer(read)


@router.post(
    "/{checklist_id}/versions",
    operation_id="plans.checklists.publish",
    response_model=ChecklistVersionRead,
    status_code=201,
    summary="Publish a new version of a checklist",
    description=(
        "Công bố phiên bản mới (toàn bộ nhóm và tiêu chí). Các cuộc kiểm tra đã lên lịch giữ"
        " phiên bản đã chọn. Cần If-Match với ETag của bộ tiêu chí vừa đọc; trả về phiên bản mới."
    ),
    responses=problem_responses(400, 401, 403, 404, 412, 422, 428),
)
async def publish_version(
    request: Request,
    checklist_id: uuid.UUID,
    body: ChecklistVersionCreate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
    if_match: IfMatch,
) -> Response:
    checklist = await service.get_checklist(session, checklist_id=checklist_id, caller=caller)
    current = await service.checklist_read(session, checklist=checklist)
    require_match(if_match, current, what="checklist", what_vi="bộ tiêu chí")
    read = await service.publish_version(
        session, checklist=checklist, data=body, actor=caller.subject
    )
    location = f"/api/v1/plans/checklists/{checklist_id}/versions/{read.current_version}"
    return answer_created(request, read.current, location=location)


@router.get(
    "/{checklist_id}/versions/{version}",
    operation_id="plans.checklists.versions.read",
    response_model=ChecklistVersionRead,
    summary="Read one version of a checklist",
    description="Xem một phiên bản đã công bố của bộ tiêu chí (không thay đổi sau khi công bố).",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_version(
    checklist_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
) -> Response:
    read = await service.get_version(
        session, checklist_id=checklist_id, version=version, caller=caller
    )
    return answer(read)


@router.get(
    "",
    operation_id="plans.checklists.list",
    summary="List checklist templates",
    description="Danh sách bộ tiêu chí với phiên bản hiện hành.",
    responses=problem_responses(401, 403, 422),
)
async def list_checklists(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
    limit: Limit = 50,
    cursor: Cursor = None,
    sort: Annotated[
        service.ChecklistSort | None,
        Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
    ] = None,
) -> Page[ChecklistRead]:
    items, next_cursor = await service.list_checklists(
        session, limit=limit, cursor=cursor, sort=sort, caller=caller
    )
    return Page[ChecklistRead](items=items, next_cursor=next_cursor)
