"""HTTP routes of the reporting service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from reporting import service
from reporting.schemas import AuditEntryRead, UnitScorecard
from servicekit.access import PEOPLE, Identity, Role, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import answer
from servicekit.pagination import Cursor, Limit, Page
from servicekit.text import Code, Subject
from servicekit.times import Instant

router = APIRouter(prefix="/api/v1/reporting", tags=["reporting"])
# The audit trail is read by the Ministry and by each province's inspectorate.
AUDITORS = frozenset({Role.NATIONAL, Role.INSPECTORATE})


@router.get(
    "/units/{unit_id}",
    operation_id="reporting.units.read",
    response_model=UnitScorecard,
    summary="A unit's scorecard",
    description=(
        "Số liệu tổng hợp của một đơn vị: số cuộc kiểm tra, số lượt kiểm tra, đánh giá hài"
        " lòng của người dân và (tính riêng) của cán bộ, công chức. Số liệu gồm cả các đơn"
        " vị trực thuộc theo vị trí hiện tại trong danh mục: đơn vị chuyển sang đơn vị cấp"
        " trên khác mang theo toàn bộ số liệu của mình; `own` là số liệu của riêng đơn vị."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def get_unit_scorecard(
    unit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
) -> Response:
    card = await service.get_scorecard(session, unit_id=unit_id, caller=caller)
    return answer(card)


@router.get(
    "/audit-entries",
    operation_id="reporting.audit.list",
    summary="The audit trail",
    description=(
        "Nhật ký ghi lại mọi thao tác ghi và mọi lần đọc dữ liệu cá nhân hoặc dữ liệu mật:"
        " ai, vai trò, đơn vị, thao tác, đối tượng, mã yêu cầu, kết quả, thời điểm."
        " Chỉ Thanh tra được xem; mỗi lần xem cũng được ghi lại."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_audit_entries(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(AUDITORS, personal_data=True))],
    limit: Limit = 50,
    cursor: Cursor = None,
    actor: Annotated[Subject | None, Query()] = None,
    operation: Annotated[Code | None, Query(max_length=100)] = None,
    since: Annotated[Instant | None, Query(description="Từ thời điểm (RFC 3339)")] = None,
    until: Annotated[Instant | None, Query(description="Đến trước thời điểm")] = None,
    sort: Annotated[
        service.AuditEntrySort | None,
        Query(description="`-at`: mới nhất trước; mặc định theo thứ tự ghi nhận."),
    ] = None,
) -> Page[AuditEntryRead]:
    entries, next_cursor = await service.list_audit_entries(
        session,
        limit=limit,
        cursor=cursor,
        actor=actor,
        operation=operation,
        since=since,
        until=until,
        sort=sort,
        caller=caller,
    )
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(e, from_attributes=True) for e in entries],
        next_cursor=next_cursor,
    )


@router.get(
    "/units",
    operation_id="reporting.units.list",
    summary="List unit scorecards",
    description=(
        "Danh sách số liệu tổng hợp theo đơn vị; số liệu mỗi đơn vị gồm cả các đơn vị trực"
        " thuộc, sắp xếp theo số liệu đó."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_unit_scorecards(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
    limit: Limit = 50,
    cursor: Cursor = None,
    parent_id: Annotated[uuid.UUID | None, Query()] = None,
    sort: Annotated[
        service.ScorecardSort | None,
        Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
    ] = None,
) -> Page[UnitScorecard]:
    items, next_cursor = await service.list_scorecards(
        session, limit=limit, cursor=cursor, parent_id=parent_id, caller=caller, sort=sort
    )
    return Page[UnitScorecard](items=items, next_cursor=next_cursor)
