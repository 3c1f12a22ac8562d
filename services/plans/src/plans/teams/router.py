"""HTTP routes for inspection teams."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from plans.auth import PLANNERS
from plans.teams import service
from plans.teams.schemas import TeamCreate, TeamRead, TeamUpdate
from plans.tenancy import home
from servicekit.access import INSPECTION_STAFF, Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import IfMatch, answer, answer_created, require_match
from servicekit.pagination import Cursor, Limit, Page
from servicekit.text import Subject
from servicekit.times import Day

router = APIRouter(prefix="/api/v1/plans/teams", tags=["plans: teams"])


@router.post(
    "",
    operation_id="plans.teams.form",
    response_model=TeamRead,
    status_code=201,
    summary="Found an inspection team",
    description=(
        "Thành lập đoàn kiểm tra theo quyết định (số, ngày, cơ quan ban hành),"
        " với trưởng đoàn và các thành viên, trong thời hạn hoạt động."
    ),
    responses=problem_responses(400, 401, 403, 422),
)
async def form_team(
    request: Request,
    body: TeamCreate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
) -> Response:
    team = await service.form_team(session, data=body, province_id=await home(session, caller))
    return answer_created(request, team, location=f"/api/v1/plans/teams/{team.id}")


@router.get(
    "/{team_id}",
    operation_id="plans.teams.read",
    response_model=TeamRead,
    summary="Read one team",
    description="Xem một đoàn kiểm tra và thành viên.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_team(
    team_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(INSPECTION_STAFF, personal_data=True))],
) -> Response:
    team = await service.get_team(session, team_id=team_id, caller=caller)
    read = await service.team_read(session, team=team)
    return answer(read)


@router.patch(
    "/{team_id}",
    operation_id="plans.teams.update",
    response_model=TeamRead,
    summary="Change a team",
    description=(
        "Đổi tên, thay thành viên (cả danh sách) hoặc thời hạn của đoàn."
        " Cần If-Match với ETag vừa đọc."
    ),
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def update_team(
    team_id: uuid.UUID,
    body: TeamUpdate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PLANNERS))],
    if_match: IfMatch,
) -> Response:
    team = await service.get_team(session, team_id=team_id, caller=caller)
    current = await service.team_read(session, team=team)
    require_match(if_match, current, what="team", what_vi="đoàn kiểm tra")
    read = await service.update_team(session, team=team, current=current, data=body)
    return answer(read)


@router.get(
    "",
    operation_id="plans.teams.list",
    summary="List teams",
    description="Danh sách đoàn kiểm tra; lọc theo ngày còn hiệu lực hoặc thành viên.",
    responses=problem_responses(401, 403, 422),
)
async def list_teams(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(INSPECTION_STAFF, personal_data=True))],
    limit: Limit = 50,
    cursor: Cursor = None,
    active_on: Annotated[Day | None, Query(description="Đoàn còn hiệu lực vào ngày này")] = None,
    member: Annotated[Subject | None, Query(description="Đoàn có người này (subject)")] = None,
    sort: Annotated[
        service.TeamSort | None,
        Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
    ] = None,
) -> Page[TeamRead]:
    teams, next_cursor = await service.list_teams(
        session,
        limit=limit,
        cursor=cursor,
        active_on=active_on,
        member=member,
        sort=sort,
        caller=caller,
    )
    return Page[TeamRead](items=teams, next_cursor=next_cursor)
