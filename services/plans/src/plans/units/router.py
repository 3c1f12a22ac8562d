"""HTTP routes of the plans service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from contracts.plans import UnitKind, UnitLevel
from plans.auth import REGISTRARS
from plans.units import service
from plans.units.schemas import Staffing, StaffingRead, UnitCreate, UnitRead, UnitUpdate
from servicekit.access import PEOPLE, Identity, Role, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import IfMatch, answer, answer_created, require_match
from servicekit.pagination import Cursor, Limit, Page
from servicekit.text import Code, Name

router = APIRouter(prefix="/api/v1/plans", tags=["plans: units"])
SEARCH = "Tìm theo tên, không phân biệt dấu và hoa thường: `ha long` tìm thấy `Hạ Long`."
SortParam = Annotated[
    service.UnitSort | None,
    Query(description="Sắp xếp theo trường; `-` đứng trước để giảm dần."),
]


@router.post(
    "/units",
    operation_id="plans.units.register",
    response_model=UnitRead,
    status_code=201,
    summary="Register an organisation unit",
    description="Thêm một đơn vị (tỉnh, xã/phường, cơ quan, phòng ban) vào danh mục đơn vị.",
    responses=problem_responses(400, 401, 403, 409, 422),
)
async def register_unit(
    request: Request,
    body: UnitCreate,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(REGISTRARS))],
) -> Response:
    unit = await service.register_unit(session, data=body, caller=caller)
    read = UnitRead.model_validate(unit, from_attributes=True)
    return answer_created(request, read, location=f"/api/v1/plans/units/{unit.id}")


@router.get(
    "/units/{unit_id}",
    operation_id="plans.units.read",
    response_model=UnitRead,
    summary="Read one unit",
    description="Xem thông tin một đơn vị.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_unit(
    unit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
) -> Response:
    read = UnitRead.model_validate(
        await service.get_unit(session, unit_id=unit_id, caller=caller), from_attributes=True
    )
    return answer(read)


@router.patch(
    "/units/{unit_id}",
    operation_id="plans.units.update",
    response_model=UnitRead,
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
    caller: Annotated[Identity, Depends(allow(REGISTRARS))],
    if_match: IfMatch,
) -> Response:
    unit = await service.get_unit(session, unit_id=unit_id, caller=caller)
    require_match(
        if_match, UnitRead.model_validate(unit, from_attributes=True), what="unit", what_vi="đơn vị"
    )
    unit = await service.update_unit(session, unit=unit, data=body, caller=caller)
    read = UnitRead.model_validate(unit, from_attributes=True)
    return answer(read)


@router.get(
    "/units/{unit_id}/staffing",
    operation_id="plans.units.staffing.read",
    response_model=StaffingRead,
    summary="A unit's staff on roll",
    description="Biên chế của đơn vị theo loại (cán bộ, công chức, viên chức…).",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_staffing(
    unit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
) -> Response:
    unit = await service.get_unit(session, unit_id=unit_id, caller=caller)
    staffing = await service.get_staffing(session, unit=unit)
    return answer(staffing)


@router.put(
    "/units/{unit_id}/staffing",
    operation_id="plans.units.staffing.record",
    response_model=StaffingRead,
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
    caller: Annotated[Identity, Depends(allow(Role.ADMIN))],
) -> Response:
    unit = await service.get_unit(session, unit_id=unit_id, caller=caller)
    staffing = await service.record_staffing(session, unit=unit, data=body)
    return answer(staffing)


@router.get(
    "/units/{unit_id}/sub-units",
    operation_id="plans.units.sub_units",
    summary="Units beneath a unit",
    description="Các đơn vị trực thuộc (mọi cấp) của một đơn vị, lọc và sắp xếp như danh sách.",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_sub_units(
    unit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
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
    operation_id="plans.units.list",
    summary="List units",
    description="Danh sách đơn vị, lọc theo cấp, loại, đơn vị cấp trên hoặc mã.",
    responses=problem_responses(401, 403, 422),
)
async def list_units(
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(PEOPLE))],
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
