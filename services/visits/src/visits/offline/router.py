"""HTTP route of a device's offline sync."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from servicekit.access import Identity, allow
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.languages import language_of
from visits.auth import RECORDERS
from visits.offline import service
from visits.offline.schemas import SyncRead, VisitSync

router = APIRouter(prefix="/api/v1/visits", tags=["visits: sync"])


@router.post(
    "/visits/{visit_id}/sync",
    operation_id="visits.visits.sync",
    summary="Sync what a device recorded offline",
    description=(
        "Đồng bộ một lần mọi thứ thiết bị đã ghi khi ngoại tuyến về một cuộc kiểm tra: thông tin"
        " bắt đầu (nếu máy chủ chưa có), điểm danh, kết quả, vi phạm, mỗi bản ghi với `id` và"
        " `version` do thiết bị sinh; được áp dụng theo thứ tự đó, từng bản ghi độc lập, đúng"
        " như khi gửi riêng lẻ. Trả lời từng bản ghi: created, updated (phiên bản cao hơn),"
        " unchanged (máy chủ đã có đúng bản này), conflict (phiên bản cũ, hoặc cùng phiên bản"
        " khác nội dung, hoặc biên bản đã niêm phong: kèm bản của máy chủ và bản thiết bị gửi,"
        " không ghi), rejected (dữ liệu không hợp lệ: kèm lỗi từng trường, không ghi). Các bản"
        " ghi khác vẫn được ghi, nên gửi lại bao nhiêu lần cũng an toàn: bản đã ghi trả"
        " unchanged. Có ít nhất một conflict: 409, thân trả lời vẫn liệt kê mọi bản ghi; không"
        " có: 200. Thông tin bắt đầu không hợp lệ hoặc khác với cuộc kiểm tra đã có: lỗi của cả"
        " yêu cầu (422, 409), không ghi gì. `evidence` liệt kê SHA-256 các tệp thiết bị giữ;"
        " trả lời cho biết tệp nào máy chủ đã có, tệp nào còn phải gửi (PUT .../evidence/"
        "{sha256}). Chỉ thành viên đoàn."
    ),
    responses={
        409: {"model": SyncRead, "description": "Some records conflict; the others applied"},
        **problem_responses(400, 401, 403, 404, 422),
    },
)
async def sync_visit(
    request: Request,
    visit_id: uuid.UUID,
    body: VisitSync,
    session: SessionDep,
    response: Response,
    caller: Annotated[Identity, Depends(allow(RECORDERS))],
) -> SyncRead:
    read = await service.sync_visit(
        session, visit_id=visit_id, data=body, caller=caller, language=language_of(request)
    )
    if read.conflicts:
        # The records that applied commit all the same: a replay finds them unchanged.
        response.status_code = 409
    return read
