"""HTTP routes of evidence: upload by hash, the list a device syncs against, downloads."""

import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Request, Response
from fastapi.responses import StreamingResponse

from servicekit.access import INSPECTION_STAFF, Identity, allow, caller_of
from servicekit.audit import set_resource
from servicekit.db import SessionDep
from servicekit.errors import problem_responses
from servicekit.pagination import Cursor, Limit, Page
from visits.auth import RECORDERS
from visits.config import EVIDENCE_MAX_BYTES_CEILING, Settings
from visits.evidence import service
from visits.evidence.content import MEDIA_TYPES
from visits.evidence.errors import EvidenceTooLarge, RangeNotSatisfiable
from visits.evidence.schemas import EvidenceRead
from visits.evidence.storage import EvidenceStore, open_store


@asynccontextmanager
async def _store_lifespan(app: FastAPI) -> AsyncIterator[None]:
    store = open_store(app.state.settings)
    app.state.evidence_store = store
    try:
        yield
    finally:
        await store.close()


router = APIRouter(prefix="/api/v1/visits", tags=["visits: evidence"], lifespan=_store_lifespan)


def _store(request: Request) -> EvidenceStore:
    store: EvidenceStore = request.app.state.evidence_store
    return store


StoreDep = Annotated[EvidenceStore, Depends(_store)]
Sha256 = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 của tệp (64 chữ số hex, chữ thường)",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ),
]
_FILE = {"schema": {"type": "string", "format": "binary"}}
_FILE_CONTENT = {name: _FILE for name in MEDIA_TYPES}


@dataclass(frozen=True)
class Upload:
    """A request's body, read within the limit, and its SHA-256."""

    data: bytes
    sha256: str


async def read_upload(request: Request) -> Upload:
    """Read the body as it streams in, refusing it as soon as it passes EVIDENCE_MAX_BYTES.

    The caller's identity token covers the body, so it is verified here on the bytes just
    read; the route's allow() then finds the verified caller (`caller_of`).
    """
    settings: Settings = request.app.state.settings
    limit = settings.evidence_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        digest.update(chunk)
        chunks.append(chunk)
    data = b"".join(chunks)
    await caller_of(request, data)
    return Upload(data=data, sha256=digest.hexdigest())


def _too_large(limit: int) -> EvidenceTooLarge:
    mib = f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
    return EvidenceTooLarge(
        f"An evidence file may be at most {limit} bytes ({mib} MiB).",
        vi=f"Tệp chứng cứ tối đa {limit} byte ({mib} MiB).",
    )


def _location(visit_id: uuid.UUID, sha256: str) -> str:
    return f"/api/v1/visits/visits/{visit_id}/evidence/{sha256}"


@router.put(
    "/visits/{visit_id}/evidence/{sha256}",
    operation_id="visits.evidence.upload",
    status_code=201,
    summary="Upload an evidence file",
    description=(
        "Gửi một tệp chứng cứ (ảnh JPEG, PNG, HEIC hoặc tài liệu PDF) của cuộc kiểm tra, nội"
        " dung tệp là thân yêu cầu, đường dẫn ghi SHA-256 của tệp. Loại tệp được xác định theo"
        " nội dung (Content-Type và tên tệp không được xét); thời điểm và vị trí chụp được đọc"
        " từ EXIF nếu có. Gửi lại cùng tệp trả 200 với bản ghi đã có, tệp không được lưu hai"
        " lần. Kích thước tối đa theo cấu hình EVIDENCE_MAX_BYTES (mặc định 25 MiB). Chỉ thành"
        " viên đoàn thực hiện cuộc kiểm tra gửi được, trước khi biên bản được niêm phong."
    ),
    responses={
        200: {"model": EvidenceRead, "description": "Already held (a resend)"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 503),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "Nội dung tệp; Content-Type không bắt buộc và không được xét.",
            "content": {"application/octet-stream": _FILE, **_FILE_CONTENT},
        }
    },
)
async def upload_evidence(
    upload: Annotated[Upload, Depends(read_upload)],
    request: Request,
    visit_id: uuid.UUID,
    sha256: Sha256,
    session: SessionDep,
    store: StoreDep,
    response: Response,
    caller: Annotated[
        Identity, Depends(allow(RECORDERS, max_body_bytes=EVIDENCE_MAX_BYTES_CEILING))
    ],
) -> EvidenceRead:
    evidence, new = await service.record_evidence(
        session,
        store=store,
        visit_id=visit_id,
        sha256=sha256,
        data=upload.data,
        digest=upload.sha256,
        caller=caller,
    )
    if not new:
        response.status_code = 200
    location = _location(visit_id, sha256)
    response.headers["Location"] = location
    response.headers["ETag"] = f'"{sha256}"'
    set_resource(request, location)
    return service.evidence_read(evidence)


@router.get(
    "/visits/{visit_id}/evidence",
    operation_id="visits.evidence.list",
    summary="List a visit's evidence files",
    description=(
        "Các tệp chứng cứ máy chủ đã nhận của cuộc kiểm tra, theo thứ tự nhận: thiết bị so với"
        " các tệp của mình để biết đã đồng bộ xong chưa."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def list_evidence(
    visit_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Identity, Depends(allow(INSPECTION_STAFF, personal_data=True))],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EvidenceRead]:
    rows, next_cursor = await service.list_evidence(
        session, visit_id=visit_id, caller=caller, limit=limit, cursor=cursor
    )
    return Page[EvidenceRead](
        items=[service.evidence_read(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/visits/{visit_id}/evidence/{sha256}",
    operation_id="visits.evidence.download",
    summary="Download an evidence file",
    description=(
        "Tải tệp chứng cứ về (truyền dần), với Content-Type theo nội dung, ETag là SHA-256 của"
        " tệp; hỗ trợ Range (một khoảng byte) và If-None-Match."
    ),
    response_class=Response,
    responses={
        200: {"description": "The file", "content": _FILE_CONTENT},
        206: {"description": "The byte range asked for", "content": _FILE_CONTENT},
        304: {"description": "Not modified: If-None-Match names this file"},
        **problem_responses(401, 403, 404, 416, 422, 503),
    },
)
async def download_evidence(
    visit_id: uuid.UUID,
    sha256: Sha256,
    session: SessionDep,
    store: StoreDep,
    caller: Annotated[Identity, Depends(allow(INSPECTION_STAFF, personal_data=True))],
    range_: Annotated[
        str | None,
        Header(alias="range", max_length=200, description="Một khoảng byte: bytes=0-1023"),
    ] = None,
    if_range: Annotated[
        str | None,
        Header(max_length=200, description="Chỉ áp dụng Range nếu ETag của tệp là giá trị này"),
    ] = None,
    if_none_match: Annotated[
        str | None,
        Header(max_length=2000, description="ETag đã có; trùng thì trả 304, không gửi lại tệp"),
    ] = None,
) -> Response:
    evidence = await service.get_evidence(session, visit_id=visit_id, sha256=sha256, caller=caller)
    etag = f'"{evidence.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        # Access is checked on every read: a cached copy is revalidated (If-None-Match).
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": (
            f'attachment; filename="{evidence.sha256}.{MEDIA_TYPES[evidence.media_type].extension}"'
        ),
    }
    if if_none_match is not None and _names(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    size = evidence.size
    wanted = None if range_ is None or (if_range is not None and if_range != etag) else range_
    span = _byte_range(wanted, size)
    first, last = span or (0, size - 1)
    if span is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    chunks = await store.open(evidence.sha256, first=first, last=last)
    return StreamingResponse(
        chunks,
        status_code=206 if span is not None else 200,
        headers=headers,
        media_type=evidence.media_type,
    )


def _names(if_none_match: str, etag: str) -> bool:
    """Tell whether If-None-Match names this ETag (weakly, as RFC 9110 compares for it)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the first and last byte one Range asks for; None to send the whole file.

    Several ranges, or a header this does not read, get the whole file (RFC 9110 allows it).
    """
    found = None if header is None else _RANGE.fullmatch(header.strip())
    if found is None or found[1] == found[2] == "":
        return None
    start, end = found[1], found[2]
    if start == "":
        # The last `end` bytes.
        if int(end) == 0:
            raise _unsatisfiable(size)
        return max(size - int(end), 0), size - 1
    first, last = int(start), min(int(end), size - 1) if end else size - 1
    if first >= size:
        raise _unsatisfiable(size)
    return None if last < first else (first, last)


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"The file has {size} bytes; the range asked for lies beyond them.",
        vi=f"Tệp có {size} byte; khoảng byte yêu cầu nằm ngoài tệp.",
        headers={"Content-Range": f"bytes */{size}"},
    )
