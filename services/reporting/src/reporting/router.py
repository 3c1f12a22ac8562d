"""HTTP routes of the reporting service."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from reporting import service
from reporting.schemas import AuditEntryRead, UnitScorecard
from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import etag_of
from servicekit.pagination import Cursor, Limit, Page
from servicekit.text import Code, Subject
from servicekit.times import Instant

router = APIRouter(prefix="/api/v1/reporting", tags=["reporting"])


@router.get(
    "/units/{unit_id}",
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
    response: Response,
    caller: Annotated[Identity, Depends(allow("reporting.units.read"))],
) -> UnitScorecard:
    card = await service.get_scorecard(session, unit_id=unit_id, caller=caller)
    response.headers["ETag"] = etag_of(card)
    return card


@router.get(
    "/audit-entries",
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
    caller: Annotated[Identity, Depends(allow("reporting.audit.list"))],
    limit: Limit = 50,
    cursor: Cursor = None,
    actor: Annotated[Subject | None, Query()] = None,
    operation: Annotated[Code | None, Query(max_length=100)] = None,
    since: Annotated[Instant | None, Query(description="Từ thời điểm (RFC 3339)")] = None,
    until: Annotated[Instant | None, Query(description="Đến trước thời điểm")] = None,
    sort: Annotated[
        Literal["at", "-at"] | None,
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
    summary="List unit scorecards",
    description=(
        "Danh sách số liệu tổng hợp theo đơn vị; số liệu mỗi đơn vị gồm cả các đơn vị trực"
        " thuộc, sắp xếp theo số liệu đó."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_unit_scorecards(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow("reporting.units.list"))],
    limit: Limit = 50,
    cursor: Cursor = None,
    parent_id: Annotated[uuid.UUID | None, Query()] = None,
    sort: Annotated[
        Literal[
            "visits_started",
            "-visits_started",
            "inspections_started",
            "-inspections_started",
            "ratings_count",
            "-ratings_count",
            "official_ratings_count",
            "-official_ratings_count",
            "updated_at",
            "-updated_at",
        ]
        | None,
        Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
    ] = None,
) -> Page[UnitScorecard]:
    items, next_cursor = await service.list_scorecards(
        session, limit=limit, cursor=cursor, parent_id=parent_id, caller=caller, sort=sort
    )
    return Page[UnitScorecard](items=items, next_cursor=next_cursor)
