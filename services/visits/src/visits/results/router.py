"""HTTP routes of checklist results."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.etag import answer
from visits import service
from visits.auth import RECORDERS
from visits.results import service as results
from visits.results.schemas import ResultsRead, ResultsWrite

router = APIRouter(prefix="/api/v1/visits", tags=["visits: results"])


@router.put(
    "/visits/{visit_id}/results",
    operation_id="visits.results.record",
    response_model=ResultsRead,
    summary="Record checklist results",
    description=(
        "Ghi kết quả từng tiêu chí (đạt, không đạt, không áp dụng nếu tiêu chí cho phép) theo"
        " đúng phiên bản bộ tiêu chí cuộc kiểm tra đã cố định; điểm tính theo trọng số, tiêu"
        " chí không áp dụng không tính vào mẫu số. Tiêu chí không có trong phiên bản đó: 422"
        " nêu tiêu chí. Mỗi kết quả có `id` và `version` do thiết bị sinh; các tiêu chí không"
        " gửi giữ nguyên. Biên bản đã niêm phong: 409. Chỉ thành viên đoàn."
    ),
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
async def put_results(
    visit_id: uuid.UUID,
    body: ResultsWrite,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
) -> Response:
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    await results.put_results(session, visit=visit, data=body, caller=caller)
    read = await results.results_read(session, visit=visit, show_recorders=True)
    return answer(read)
