"""Domain logic of attendance: headcounts that add up, one record per office, versions."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from contracts.plans import StaffCategory
from contracts.visits import AttendanceRecorded, Headcount
from servicekit.access import Identity
from servicekit.errors import FieldError, Invalid
from servicekit.text import nfc
from servicekit.times import utcnow
from visits.attendance.schemas import (
    AttendanceFields,
    AttendanceOverview,
    AttendanceRead,
    AttendanceWrite,
    StaffingComparison,
)
from visits.errors import RecordVersionConflict
from visits.events import publish
from visits.models import AttendanceRecord, Visit
from visits.planning import staffing_of
from visits.scope import at_or_beneath
from visits.sync import accept_version, refuse_sealed, touch


def office_key(name: str) -> str:
    """Return the office's name as records of one visit are matched: case and spaces aside."""
    return " ".join(nfc(name).casefold().split())


def headcount_errors(
    headcounts: Mapping[StaffCategory, Headcount], loc: Sequence[str | int]
) -> list[FieldError]:
    """Return an error for each field of each category that breaks the headcount rule."""
    errors: list[FieldError] = []
    for category, count in headcounts.items():
        accounted = count.present + sum(count.absent_with_reason.values())
        accounted += count.absent_without_reason
        if count.on_roll != accounted:
            errors.append(
                FieldError(
                    loc=[*loc, category, "on_roll"],
                    msg=(
                        f"On roll is {count.on_roll}, but present and absent add up to {accounted}."
                    ),
                    vi=(
                        f"Tổng số theo danh sách là {count.on_roll}, nhưng số có mặt và vắng"
                        f" mặt cộng lại là {accounted}."
                    ),
                )
            )
        if count.late > count.present:
            errors.append(
                FieldError(
                    loc=[*loc, category, "late"],
                    msg=f"{count.late} late is more than the {count.present} present.",
                    vi=f"Số đi muộn ({count.late}) nhiều hơn số có mặt ({count.present}).",
                )
            )
    return errors


async def check_attendance(
    session: AsyncSession,
    *,
    visit: Visit,
    data: AttendanceFields,
    loc: Sequence[str | int] = ("body",),
) -> None:
    """Refuse counts that do not add up (naming each field) and an office outside the visit."""
    errors = headcount_errors(data.headcounts, [*loc, "headcounts"])
    if data.office_unit_id is not None and not await at_or_beneath(
        session, unit_id=data.office_unit_id, root_id=visit.unit_id
    ):
        errors.append(
            FieldError(
                loc=[*loc, "office_unit_id"],
                msg="The office is not the visited unit or a unit beneath it.",
                vi="Phòng, ban không phải đơn vị được kiểm tra hay đơn vị cấp dưới của nó.",
            )
        )
    if errors:
        raise Invalid(
            "The attendance does not add up; see errors.",
            vi="Số liệu điểm danh không khớp; xem chi tiết trong errors.",
            errors=errors,
        )


def stored_headcounts(data: AttendanceFields) -> dict[str, Any]:
    """Return the headcounts as the record keeps them."""
    return {category: count.model_dump(mode="json") for category, count in data.headcounts.items()}


def _same(record: AttendanceRecord, data: AttendanceFields) -> bool:
    return (
        record.office_name == data.office_name
        and record.office_unit_id == data.office_unit_id
        and record.observed_at == data.observed_at
        and record.headcounts == stored_headcounts(data)
    )


async def get_record(
    session: AsyncSession, *, visit: Visit, record_id: uuid.UUID
) -> AttendanceRecord | None:
    """Return the visit's attendance record with that id, if it has one."""
    record = await session.get(AttendanceRecord, record_id)
    if record is not None and record.visit_id != visit.id:
        raise RecordVersionConflict(
            f"Record {record_id} belongs to another visit.",
            vi=f"Bản ghi {record_id} thuộc một cuộc kiểm tra khác.",
        )
    return record


async def put_record(
    session: AsyncSession,
    *,
    visit: Visit,
    current: AttendanceRecord | None,
    record_id: uuid.UUID,
    data: AttendanceWrite,
    caller: Identity,
) -> AttendanceRecord:
    """Record an office's attendance at `data.version`; a resend of that version changes nothing."""
    if current is not None and not accept_version(
        stored=current.version, incoming=data.version, same=_same(current, data), what="attendance"
    ):
        return current
    refuse_sealed(visit)
    await check_attendance(session, visit=visit, data=data)
    key = office_key(data.office_name)
    other = await session.scalar(
        select(AttendanceRecord.id).where(
            col(AttendanceRecord.visit_id) == visit.id,
            col(AttendanceRecord.office_key) == key,
            col(AttendanceRecord.id) != record_id,
        )
    )
    if other is not None:
        raise RecordVersionConflict(
            f"This office's attendance is already recorded, as record {other}.",
            vi=f"Điểm danh của phòng, ban này đã được ghi, trong bản ghi {other}.",
        )
    now = utcnow()
    record = current or AttendanceRecord(
        id=record_id, visit_id=visit.id, recorded_at=now, **_fields(data, key, caller, now)
    )
    if current is None:
        session.add(record)
    else:
        for name, value in _fields(data, key, caller, now).items():
            setattr(record, name, value)
    touch(visit, now)
    publish(
        session,
        AttendanceRecorded(
            visit_id=visit.id,
            unit_id=visit.unit_id,
            record_id=record.id,
            version=record.version,
            office_name=record.office_name,
            office_unit_id=record.office_unit_id,
            observed_at=record.observed_at,
            headcounts=data.headcounts,
            recorded_by=caller.subject,
            recorded_at=now,
        ),
    )
    return record


def _fields(data: AttendanceWrite, key: str, caller: Identity, now: Any) -> dict[str, Any]:
    return {
        "version": data.version,
        "office_name": data.office_name,
        "office_key": key,
        "office_unit_id": data.office_unit_id,
        "observed_at": data.observed_at,
        "headcounts": stored_headcounts(data),
        "recorded_by": caller.subject,
        "updated_at": now,
    }


def total_of(counts: Sequence[Headcount]) -> Headcount:
    """Return the sum of headcounts."""
    reasons: dict[str, int] = {}
    for count in counts:
        for reason, n in count.absent_with_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    return Headcount.model_validate(
        {
            "on_roll": sum(c.on_roll for c in counts),
            "present": sum(c.present for c in counts),
            "absent_with_reason": dict(sorted(reasons.items())),
            "absent_without_reason": sum(c.absent_without_reason for c in counts),
            "late": sum(c.late for c in counts),
        }
    )


def headcounts_of(record: AttendanceRecord) -> dict[str, Headcount]:
    """Return the record's headcounts by category."""
    return {c: Headcount.model_validate(v) for c, v in sorted(record.headcounts.items())}


def attendance_read(record: AttendanceRecord, *, show_recorders: bool) -> AttendanceRead:
    """Return the record as the API shows it."""
    counts = headcounts_of(record)
    return AttendanceRead.model_validate(
        {
            **record.model_dump(exclude={"office_key", "visit_id", "headcounts", "recorded_by"}),
            "headcounts": counts,
            "total": total_of(list(counts.values())),
            "recorded_by": record.recorded_by if show_recorders else None,
        }
    )


async def records_of(session: AsyncSession, visit: Visit) -> list[AttendanceRecord]:
    """Return the visit's attendance records in id order."""
    rows = await session.scalars(
        select(AttendanceRecord)
        .where(col(AttendanceRecord.visit_id) == visit.id)
        .order_by(col(AttendanceRecord.id))
    )
    return list(rows.all())


async def overview(
    session: AsyncSession, *, visit: Visit, show_recorders: bool
) -> AttendanceOverview:
    """Return the visit's attendance: each office, the totals, and the staffing comparison."""
    records = await records_of(session, visit)
    by_category: dict[str, list[Headcount]] = {}
    for record in records:
        for category, count in headcounts_of(record).items():
            by_category.setdefault(category, []).append(count)
    totals = {category: total_of(counts) for category, counts in sorted(by_category.items())}
    staffing = await staffing_of(session, visit.unit_id)
    comparison = None
    if staffing:
        recorded = {row.category: row.on_roll for row in staffing}
        counted = {category: total.on_roll for category, total in totals.items()}
        difference = {
            category: counted.get(category, 0) - recorded.get(category, 0)
            for category in sorted(recorded.keys() | counted.keys())
            if counted.get(category, 0) != recorded.get(category, 0)
        }
        comparison = StaffingComparison.model_validate(
            {
                "as_of": staffing[0].as_of,
                "recorded": recorded,
                "counted": counted,
                "difference": difference,
                "differs": bool(difference),
            }
        )
    return AttendanceOverview.model_validate(
        {
            "records": [attendance_read(r, show_recorders=show_recorders) for r in records],
            "by_category": totals,
            "total": total_of(list(totals.values())),
            "staffing": comparison,
        }
    )
