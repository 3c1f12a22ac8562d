"""HTTP routes of the plans service."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from contracts.plans import UnitLevel
from plans import service
from plans.schemas import UnitCreate, UnitRead
from servicekit.access import Identity, allow
from servicekit.audit import set_resource
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import etag_of
from servicekit.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/api/v1/plans", tags=["plans: units"])


@router.post(
    "/units",
    status_code=201,
    summary="Register an organisation unit",
    description="Thêm một đơn vị (tỉnh, xã/phường, cơ quan, phòng ban) vào danh mục đơn vị.",
    responses=problem_responses(400, 401, 403, 409, 422),
)
async def register_unit(
    request: Request,
    body: UnitCreate,
    session: SessionDep,
    response: Response,
    _: Annotated[Identity, Depends(allow("plans.units.register"))],
) -> UnitRead:
    unit = await service.register_unit(session, data=body)
    read = UnitRead.model_validate(unit, from_attributes=True)
    response.headers["Location"] = f"/api/v1/plans/units/{unit.id}"
    set_resource(request, response.headers["Location"])
    response.headers["ETag"] = etag_of(read)
    return read


@router.get(
    "/units/{unit_id}",
    summary="Read one unit",
    description="Xem thông tin một đơn vị.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_unit(
    unit_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("plans.units.read"))],
) -> UnitRead:
    read = UnitRead.model_validate(
        await service.get_unit(session, unit_id=unit_id, caller=caller), from_attributes=True
    )
    response.headers["ETag"] = etag_of(read)
    return read


@router.get(
    "/units",
    summary="List units",
    description="Danh sách đơn vị, lọc theo cấp, đơn vị cấp trên hoặc mã.",
    responses=problem_responses(401, 403, 422),
)
async def list_units(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow("plans.units.list"))],
    limit: Limit = 50,
    cursor: Cursor = None,
    level: Annotated[UnitLevel | None, Query()] = None,
    parent_id: Annotated[uuid.UUID | None, Query()] = None,
    code: Annotated[str | None, Query(max_length=50)] = None,
    sort: Annotated[
        Literal["code", "-code", "name", "-name", "created_at", "-created_at"] | None,
        Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
    ] = None,
) -> Page[UnitRead]:
    units, next_cursor = await service.list_units(
        session,
        limit=limit,
        cursor=cursor,
        level=level,
        parent_id=parent_id,
        code=code,
        sort=sort,
        caller=caller,
    )
    return Page[UnitRead](
        items=[UnitRead.model_validate(u, from_attributes=True) for u in units],
        next_cursor=next_cursor,
    )
