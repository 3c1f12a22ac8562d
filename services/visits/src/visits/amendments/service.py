"""Domain logic of amendments: a sealed record is corrected beside itself, never in place.

An amendment names one record of the visit (the visit itself, an office's attendance, a
result, a violation) and gives it in full as corrected: the same checks as recording it
apply, the fields that changed are kept with their values before and after, and each
amendment's digest chains it to the sealed record's digest and the amendments before it.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from contracts.visits import VisitAmended
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.times import utcnow
from visits.amendments.schemas import (
    AmendmentCreate,
    AmendmentRead,
    AttendanceCorrection,
    FieldChange,
    ResultCorrection,
    ViolationCorrection,
    VisitCorrection,
)
from visits.attendance.schemas import AttendanceFields
from visits.attendance.service import check_attendance
from visits.errors import RecordVersionConflict, VisitStillOpen
from visits.events import publish
from visits.models import Amendment, AttendanceRecord, ChecklistResult, Violation, Visit
from visits.results.schemas import ResultFields
from visits.results.service import check_result, criteria_of, pinned_checklist
from visits.schemas import NoAccessFields, VisitFields
from visits.scope import SEALED_STATUSES
from visits.sealing import amendment_digest
from visits.violations.service import check_violation, fields_of, person_of

# Fields holding personal data: their values show only to those who may read them.
PERSONAL = frozenset({"person"})


def _in_utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {key: _in_utc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_utc(item) for item in value]
    return value


def as_json(record: BaseModel) -> dict[str, Any]:
    """Return a record as amendments keep it: JSON, every time in UTC (equal instants match)."""
    kept: dict[str, Any] = to_jsonable_python(_in_utc(record.model_dump()))
    return kept


def _no_such_record(data: AmendmentCreate) -> Invalid:
    return Invalid.field(
        ["body", data.target, "target_id"],
        f"This visit has no {data.target} record with this id.",
        vi="Cuộc kiểm tra này không có bản ghi nào như vậy với mã định danh này.",
    )


async def _original(session: AsyncSession, visit: Visit, data: AmendmentCreate) -> dict[str, Any]:
    """Return the target record as the visit sealed it (JSON), refusing one it lacks."""
    target_id = data.target_id
    if isinstance(data, VisitCorrection):
        if target_id != visit.id:
            raise _no_such_record(data)
        no_access = None
        if visit.no_access_reason is not None and visit.no_access_at is not None:
            no_access = NoAccessFields.model_validate(
                {
                    "reason": visit.no_access_reason,
                    "at": visit.no_access_at,
                    "note": visit.no_access_note,
                }
            )
        return as_json(VisitFields(note=visit.note, no_access=no_access))
    if isinstance(data, AttendanceCorrection):
        record = await session.get(AttendanceRecord, target_id)
        if record is None or record.visit_id != visit.id:
            raise _no_such_record(data)
        return as_json(
            AttendanceFields.model_validate(
                {
                    "office_name": record.office_name,
                    "office_unit_id": record.office_unit_id,
                    "observed_at": record.observed_at,
                    "headcounts": record.headcounts,
                }
            )
        )
    if isinstance(data, ResultCorrection):
        result = await session.get(ChecklistResult, target_id)
        if result is None or result.visit_id != visit.id:
            raise _no_such_record(data)
        return as_json(
            ResultFields.model_validate({"outcome": result.outcome, "note": result.note})
        )
    violation = await session.get(Violation, target_id)
    if violation is None or violation.visit_id != visit.id:
        raise _no_such_record(data)
    return as_json(fields_of(violation, await person_of(session, violation)))


async def _check(session: AsyncSession, visit: Visit, data: AmendmentCreate) -> None:
    """Refuse a corrected record that could not have been recorded so."""
    loc: list[str | int] = ["body", data.target, "record"]
    if isinstance(data, VisitCorrection):
        sealed_without_access = visit.status == "no_access"
        if (data.record.no_access is not None) != sealed_without_access:
            raise Invalid.field(
                [*loc, "no_access"],
                "A visit that found no access keeps its reason; any other has none.",
                vi="Cuộc kiểm tra không tiếp cận được phải giữ lý do; cuộc kiểm tra khác"
                " không có lý do này.",
            )
    elif isinstance(data, AttendanceCorrection):
        await check_attendance(session, visit=visit, data=data.record, loc=loc)
    elif isinstance(data, ResultCorrection):
        result = await session.get_one(ChecklistResult, data.target_id)
        checklist = await pinned_checklist(session, visit, loc=loc)
        errors = check_result(
            criteria_of(checklist),
            checklist,
            code=result.criterion_code,
            outcome=data.record.outcome,
            loc=loc,
        )
        if errors:
            raise Invalid(
                "The corrected result does not fit the checklist; see errors.",
                vi="Kết quả đính chính không phù hợp với bộ tiêu chí; xem chi tiết trong errors.",
                errors=errors,
            )
    elif isinstance(data, ViolationCorrection):
        await check_violation(session, visit=visit, data=data.record, loc=loc)


async def latest(
    session: AsyncSession, visit: Visit, *, target_id: uuid.UUID | None = None
) -> Amendment | None:
    """Return the visit's latest amendment (of one record, given `target_id`)."""
    query = select(Amendment).where(col(Amendment.visit_id) == visit.id)
    if target_id is not None:
        query = query.where(col(Amendment.target_id) == target_id)
    return await session.scalar(
        query.order_by(col(Amendment.amended_at).desc(), col(Amendment.id).desc()).limit(1)
    )


async def find_amendment(
    session: AsyncSession, *, visit: Visit, data: AmendmentCreate
) -> Amendment | None:
    """Return the amendment this request already recorded (an offline resend), if any."""
    existing = await session.get(Amendment, data.id)
    if existing is None:
        return None
    same = (
        existing.visit_id == visit.id
        and (existing.target, existing.target_id, existing.reason)
        == (data.target, data.target_id, data.reason)
        and existing.corrected == as_json(data.record)
    )
    if not same:
        raise RecordVersionConflict(
            f"Amendment {data.id} already exists with different content.",
            vi=f"Đã có bản đính chính mang mã {data.id} với nội dung khác.",
        )
    return existing


async def amend(
    session: AsyncSession, *, visit: Visit, data: AmendmentCreate, caller: Identity
) -> Amendment:
    """Record a correction of a sealed record beside it, with the fields it changes."""
    if visit.status not in SEALED_STATUSES:
        raise VisitStillOpen(
            "The visit is not sealed yet: correct its records directly.",
            vi="Cuộc kiểm tra chưa được niêm phong: hãy sửa trực tiếp các bản ghi.",
        )
    original = await _original(session, visit, data)
    previous = await latest(session, visit, target_id=data.target_id)
    before = previous.corrected if previous is not None else original
    await _check(session, visit, data)
    after = as_json(data.record)
    changes = {
        field: {"before": before.get(field), "after": value}
        for field, value in after.items()
        if before.get(field) != value
    }
    if not changes:
        raise Invalid.field(
            ["body", data.target, "record"],
            "The correction changes nothing.",
            vi="Bản đính chính không thay đổi gì.",
        )
    now = utcnow()
    chained = await latest(session, visit)
    amendment = Amendment(
        id=data.id,
        visit_id=visit.id,
        version=1,
        target=data.target,
        target_id=data.target_id,
        reason=data.reason,
        changes=changes,
        corrected=after,
        amended_by=caller.subject,
        amended_at=now,
        digest="",
    )
    amendment.digest = amendment_digest(
        chained.digest if chained is not None else (visit.digest or ""),
        {
            "id": str(amendment.id),
            "target": amendment.target,
            "target_id": str(amendment.target_id),
            "reason": amendment.reason,
            "changes": changes,
            "corrected": after,
            "amended_by": amendment.amended_by,
            "amended_at": now.isoformat(),
        },
    )
    session.add(amendment)
    # The visit's version moves on: two amendments racing to chain to one digest give a 409.
    visit.updated_at = now
    publish(
        session,
        VisitAmended(
            visit_id=visit.id,
            amendment_id=amendment.id,
            target=data.target,
            target_id=data.target_id,
            fields=sorted(changes),
            amended_by=caller.subject,
            amended_at=now,
            digest=amendment.digest,
        ),
    )
    return amendment


def amendment_read(
    amendment: Amendment, *, show_people: bool, show_recorders: bool
) -> AmendmentRead:
    """Return the amendment as the API shows it; personal values only for those who may see."""
    changes = []
    for field, change in sorted(amendment.changes.items()):
        hidden = field in PERSONAL and not show_people
        changes.append(
            FieldChange(
                field=field,
                before=None if hidden else change["before"],
                after=None if hidden else change["after"],
                hidden=hidden,
            )
        )
    return AmendmentRead.model_validate(
        {
            **amendment.model_dump(exclude={"changes", "corrected", "amended_by", "visit_id"}),
            "changes": changes,
            "amended_by": amendment.amended_by if show_recorders else None,
        }
    )


async def amendments_read(
    session: AsyncSession, *, visit: Visit, show_people: bool, show_recorders: bool
) -> list[AmendmentRead]:
    """Return the visit's amendments, oldest first."""
    rows = await session.scalars(
        select(Amendment)
        .where(col(Amendment.visit_id) == visit.id)
        .order_by(col(Amendment.amended_at), col(Amendment.id))
    )
    return [
        amendment_read(row, show_people=show_people, show_recorders=show_recorders) for row in rows
    ]
