"""HTTP routes of the plans service."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from contracts.plans import UnitKind, UnitLevel
from plans.units import service
from plans.units.schemas import Staffing, StaffingRead, UnitCreate, UnitRead, UnitUpdate
from servicekit.access import Identity, allow
from servicekit.audit import set_resource
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import IfMatch, etag_of, require_match
from servicekit.pagination import Cursor, Limit, Page
from servicekit.text import Code, Name

router = APIRouter(prefix="/api/v1/plans", tags=["plans: units"])
SEARCH = "Tìm theo tên, không phân biệt dấu và hoa thường: `ha long` tìm thấy `Hạ Long`."
SortParam = Annotated[
    Literal["code", "-code", "name", "-name", "created_at", "-created_at"] | None,
    Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
]


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
    caller: Annotated[Identity, Depends(allow("plans.units.register"))],
) -> UnitRead:
    unit = await service.register_unit(session, data=body, caller=caller)
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


@router.patch(
    "/units/{unit_id}",
    summary="Change a unit",
    description=(
        "Đổi tên, chuyển đơn vị cấp trên, đóng (valid_to), sáp nhập (successor_id) hoặc chia"
        " tách (successor_ids: các đơn vị kế thừa). Chỉ đơn vị đã đóng mới có đơn vị kế thừa;"
        " đơn vị không đóng được (409) khi còn đơn vị trực thuộc có hiệu lực sau ngày đóng, hoặc"
        " còn cuộc kiểm tra đã lên lịch sau ngày đó. Cần If-Match với ETag vừa đọc, để không"
        " ghi đè thay đổi của người khác."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_unit(
    unit_id: uuid.UUID,
    body: UnitUpdate,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("plans.units.update"))],
    if_match: IfMatch,
) -> UnitRead:
    unit = await service.get_unit(session, unit_id=unit_id, caller=caller)
    require_match(
        if_match, UnitRead.model_validate(unit, from_attributes=True), what="unit", what_vi="đơn vị"
    )
    unit = await service.update_unit(session, unit=unit, data=body, caller=caller)
    read = UnitRead.model_validate(unit, from_attributes=True)
    response.headers["ETag"] = etag_of(read)
    return read


@router.get(
    "/units/{unit_id}/staffing",
    summary="A unit's staff on roll",
    description="Biên chế của đơn vị theo loại (cán bộ, công chức, viên chức…).",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_staffing(
    unit_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("plans.units.staffing.read"))],
) -> StaffingRead:
    unit = await service.get_unit(session, unit_id=unit_id, caller=caller)
    staffing = await service.get_staffing(session, unit=unit)
    response.headers["ETag"] = etag_of(staffing)
    return staffing


@router.put(
    "/units/{unit_id}/staffing",
    summary="Record a unit's staff on roll",
    description=(
        "Ghi nhận biên chế của đơn vị tính đến một ngày; thay cho số liệu trước đó."
        " Đoàn kiểm tra đối chiếu số có mặt với số này khi điểm danh."
    ),
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def record_staffing(
    unit_id: uuid.UUID,
    body: Staffing,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow("plans.units.staffing.record"))],
) -> StaffingRead:
    unit = await service.get_unit(session, unit_id=unit_id, caller=caller)
    staffing = await service.record_staffing(session, unit=unit, data=body)
    response.headers["ETag"] = etag_of(staffing)
    return staffing


@router.get(
    "/units/{unit_id}/sub-units",
    summary="Units beneath a unit",
    description="Các đơn vị trực thuộc (mọi cấp) của một đơn vị, lọc và sắp xếp như danh sách.",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_sub_units(
    unit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow("plans.units.sub_units"))],
    limit: Limit = 50,
    cursor: Cursor = None,
    level: Annotated[UnitLevel | None, Query()] = None,
    kind: Annotated[UnitKind | None, Query()] = None,
    q: Annotated[Name | None, Query(max_length=100, description=SEARCH)] = None,
    sort: SortParam = None,
) -> Page[UnitRead]:
    await service.get_unit(session, unit_id=unit_id, caller=caller)
    units, next_cursor = await service.list_units(
        session,
        limit=limit,
        cursor=cursor,
        level=level,
        kind=kind,
        q=q,
        within=unit_id,
        sort=sort,
        caller=caller,
    )
    return Page[UnitRead](
        items=[UnitRead.model_validate(u, from_attributes=True) for u in units],
        next_cursor=next_cursor,
    )


@router.get(
    "/units",
    summary="List units",
    description="Danh sách đơn vị, lọc theo cấp, loại, đơn vị cấp trên hoặc mã.",
    responses=problem_responses(401, 403, 422),
)
async def list_units(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow("plans.units.list"))],
    limit: Limit = 50,
    cursor: Cursor = None,
    level: Annotated[UnitLevel | None, Query()] = None,
    kind: Annotated[UnitKind | None, Query()] = None,
    parent_id: Annotated[uuid.UUID | None, Query()] = None,
    code: Annotated[Code | None, Query(max_length=50)] = None,
    q: Annotated[Name | None, Query(max_length=100, description=SEARCH)] = None,
    sort: SortParam = None,
) -> Page[UnitRead]:
    units, next_cursor = await service.list_units(
        session,
        limit=limit,
        cursor=cursor,
        level=level,
        kind=kind,
        parent_id=parent_id,
        code=code,
        q=q,
        sort=sort,
        caller=caller,
    )
    return Page[UnitRead](
        items=[UnitRead.model_validate(u, from_attributes=True) for u in units],
        next_cursor=next_cursor,
    )
