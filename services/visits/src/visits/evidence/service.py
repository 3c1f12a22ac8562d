"""Evidence of a visit: files attached once by their SHA-256, listed, and read back."""

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from uuid6 import uuid7

from eventbus.directory import reaches
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import page_by_id
from servicekit.times import utcnow
from visits.auth import RECORDERS
from visits.errors import NotOnTeam, VisitSealed
from visits.evidence.content import exif_of, media_type_of
from visits.evidence.errors import EvidenceNotFound, NotEvidence
from visits.evidence.models import Evidence
from visits.evidence.schemas import CaptureTime, EvidenceRead, GpsPosition
from visits.evidence.storage import EvidenceStore
from visits.models import Visit
from visits.scope import SEALED_STATUSES
from visits.service import get_visit, is_recorder


async def may_record(session: AsyncSession, visit: Visit, caller: Identity) -> bool:
    """Tell whether the caller may attach evidence to the visit.

    A team leader or inspector whose reach includes the visit's unit, on the team carrying
    the visit out (its starter, for an ad hoc visit without a team): team membership is
    checked by `visits.service.is_recorder`.
    """
    if caller.role not in RECORDERS or not await reaches(session, caller, visit.unit_id):
        return False
    return await is_recorder(session, visit, caller)


async def _held(session: AsyncSession, visit_id: uuid.UUID, sha256: str) -> Evidence | None:
    return await session.scalar(
        select(Evidence).where(col(Evidence.visit_id) == visit_id, col(Evidence.sha256) == sha256)
    )


async def record_evidence(
    session: AsyncSession,
    *,
    store: EvidenceStore,
    visit_id: uuid.UUID,
    sha256: str,
    data: bytes,
    digest: str,
    caller: Identity,
) -> tuple[Evidence, bool]:
    """Attach a file to a visit once; return its record and whether it is new.

    `digest` is the SHA-256 of `data`, computed as it arrived; it must be the `sha256` the
    device named the file by.
    """
    visit = await get_visit(session, visit_id=visit_id, caller=caller)
    if not await may_record(session, visit, caller):
        raise NotOnTeam(
            "Only members of the team carrying out this visit attach evidence to it.",
            vi="Chỉ thành viên đoàn thực hiện cuộc kiểm tra này mới được gửi tệp chứng cứ.",
        )
    if digest != sha256:
        raise Invalid.field(
            ["path", "sha256"],
            f"The file's SHA-256 is {digest}: it was damaged on the way, or the path names"
            " another file.",
            vi=f"SHA-256 của tệp nhận được là {digest}: tệp bị hỏng khi truyền, hoặc đường dẫn"
            " ghi mã của tệp khác.",
        )
    existing = await _held(session, visit.id, sha256)
    if existing is not None:
        return existing, False
    # Shared with other uploads, exclusive of the visit's sealing (which updates the row):
    # a file is either in the sealed record's digest or refused (PostgreSQL; SQLite writes
    # one transaction at a time anyway).
    status = await session.scalar(
        select(Visit.status).where(col(Visit.id) == visit.id).with_for_update(read=True)
    )
    if status in SEALED_STATUSES:
        raise VisitSealed(
            "The visit's record is sealed: it takes no new evidence.",
            vi="Biên bản cuộc kiểm tra đã được niêm phong: không nhận thêm tệp chứng cứ.",
        )
    media_type = media_type_of(data)
    if media_type is None:
        raise NotEvidence(
            "Evidence is a JPEG, PNG or HEIC photo or a PDF document; this file's content is"
            " none of them, whatever its name.",
            vi="Tệp chứng cứ phải là ảnh JPEG, PNG, HEIC hoặc tài liệu PDF; nội dung tệp này"
            " không thuộc loại nào trong số đó, dù tên tệp là gì.",
        )
    exif = await asyncio.to_thread(exif_of, data, media_type)
    await store.put(sha256, data, media_type=media_type.name)
    evidence = Evidence(
        id=uuid7(),
        visit_id=visit.id,
        sha256=sha256,
        media_type=media_type.name,
        size=len(data),
        captured_at=exif.captured_at,
        captured_at_from_exif=exif.captured_at is not None,
        captured_offset_assumed=exif.offset_assumed,
        latitude=exif.latitude,
        longitude=exif.longitude,
        gps_from_exif=exif.latitude is not None,
        uploaded_by=caller.subject,
        uploaded_at=utcnow(),
    )
    session.add(evidence)
    return evidence, True


async def list_evidence(
    session: AsyncSession,
    *,
    visit_id: uuid.UUID,
    caller: Identity,
    limit: int,
    cursor: str | None,
) -> tuple[list[Evidence], str | None]:
    """Return one page of the files a visit holds, in the order they arrived."""
    visit = await get_visit(session, visit_id=visit_id, caller=caller)
    query = select(Evidence).where(col(Evidence.visit_id) == visit.id)
    return await page_by_id(session, query, id_column=Evidence.id, limit=limit, cursor=cursor)


async def get_evidence(
    session: AsyncSession, *, visit_id: uuid.UUID, sha256: str, caller: Identity
) -> Evidence:
    """Return the record of one file of a visit the caller may see."""
    visit = await get_visit(session, visit_id=visit_id, caller=caller)
    evidence = await _held(session, visit.id, sha256)
    if evidence is None:
        raise EvidenceNotFound(
            f"Visit {visit_id} holds no file with SHA-256 {sha256}.",
            vi=f"Cuộc kiểm tra {visit_id} không có tệp chứng cứ nào có SHA-256 {sha256}.",
        )
    return evidence


def evidence_read(evidence: Evidence) -> EvidenceRead:
    """Return a file's record as the API shows it."""
    captured_at = None
    if evidence.captured_at is not None:
        captured_at = CaptureTime(
            at=evidence.captured_at,
            from_exif=evidence.captured_at_from_exif,
            offset_assumed=evidence.captured_offset_assumed,
        )
    gps = None
    if evidence.latitude is not None and evidence.longitude is not None:
        gps = GpsPosition(
            latitude=evidence.latitude,
            longitude=evidence.longitude,
            from_exif=evidence.gps_from_exif,
        )
    return EvidenceRead.model_validate(
        {
            "visit_id": evidence.visit_id,
            "sha256": evidence.sha256,
            "media_type": evidence.media_type,
            "size": evidence.size,
            "captured_at": captured_at,
            "gps": gps,
            "uploaded_by": evidence.uploaded_by,
            "uploaded_at": evidence.uploaded_at,
        }
    )
