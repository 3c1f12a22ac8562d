"""Domain logic of violations: categories of the pinned checklist, units, people, repeats."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import and_, col, or_, select

from contracts.visits import ViolationRecorded
from servicekit.access import Identity
from servicekit.errors import FieldError, Invalid
from servicekit.text import nfc
from servicekit.times import utcnow
from visits.errors import RecordVersionConflict
from visits.events import publish
from visits.models import Violation, ViolationPerson, Visit
from visits.results.service import pinned_checklist
from visits.scope import at_or_beneath
from visits.sync import accept_version, refuse_sealed, touch
from visits.violations.schemas import PersonRead, ViolationFields, ViolationRead, ViolationWrite

# A violation repeats the same category's at the same unit, or by the same person, found in
# the twelve months before its visit.
REPEAT_MONTHS = 12


def person_key(full_name: str) -> str:
    """Return the name as repeats are matched by: case and spacing aside, diacritics kept."""
    return " ".join(nfc(full_name).casefold().split())


def year_before(moment: datetime) -> datetime:
    """Return the same moment twelve months earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


async def check_violation(
    session: AsyncSession, *, visit: Visit, data: ViolationFields, loc: list[str | int]
) -> None:
    """Refuse a category or criterion outside the pinned checklist, or a unit outside the visit."""
    checklist = await pinned_checklist(session, visit, loc=[*loc, "category_code"])
    categories = {
        category["code"]: {criterion["code"] for criterion in category["criteria"]}
        for category in checklist.categories
    }
    errors = []
    if data.category_code not in categories:
        errors.append(
            FieldError(
                loc=[*loc, "category_code"],
                msg=f"Category {data.category_code} is not in version {checklist.version} of the"
                " checklist this visit follows.",
                vi=f"Nhóm tiêu chí {data.category_code} không có trong phiên bản"
                f" {checklist.version} của bộ tiêu chí cuộc kiểm tra này áp dụng.",
            )
        )
    elif data.criterion_code is not None and data.criterion_code not in categories.get(
        data.category_code, set()
    ):
        errors.append(
            FieldError(
                loc=[*loc, "criterion_code"],
                msg=f"Criterion {data.criterion_code} is not in category {data.category_code}.",
                vi=f"Tiêu chí {data.criterion_code} không thuộc nhóm {data.category_code}.",
            )
        )
    if not await at_or_beneath(session, unit_id=data.unit_id, root_id=visit.unit_id):
        errors.append(
            FieldError(
                loc=[*loc, "unit_id"],
                msg="The unit is not the visited unit or a unit beneath it.",
                vi="Đơn vị không phải đơn vị được kiểm tra hay đơn vị cấp dưới của nó.",
            )
        )
    if errors:
        raise Invalid(
            "The violation does not fit this visit; see errors.",
            vi="Vi phạm không phù hợp với cuộc kiểm tra này; xem chi tiết trong errors.",
            errors=errors,
        )


async def repeats_of(
    session: AsyncSession,
    *,
    visit: Visit,
    violation_id: uuid.UUID,
    unit_id: uuid.UUID,
    category_code: str,
    person: str | None,
) -> list[uuid.UUID]:
    """Return the earlier violations of the category this one repeats, oldest first.

    The same unit, or the same person (by name, at the same visited unit), on a visit in
    the twelve months before this one's.
    """
    same = col(Violation.unit_id) == unit_id
    if person is not None:
        same = or_(
            same, and_(col(Violation.person_key) == person, col(Visit.unit_id) == visit.unit_id)
        )
    found = await session.scalars(
        select(Violation.id)
        .join(Visit, col(Visit.id) == col(Violation.visit_id))
        .where(
            col(Violation.category_code) == category_code,
            col(Violation.visit_id) != visit.id,
            col(Violation.id) != violation_id,
            col(Visit.started_at) >= year_before(visit.started_at),
            col(Visit.started_at) < visit.started_at,
            same,
        )
        .order_by(col(Visit.started_at), col(Violation.id))
    )
    return list(found.all())


async def get_violation(
    session: AsyncSession, *, visit: Visit, violation_id: uuid.UUID
) -> Violation | None:
    """Return the visit's violation with that id, if it has one."""
    violation = await session.get(Violation, violation_id)
    if violation is not None and violation.visit_id != visit.id:
        raise RecordVersionConflict(
            f"Violation {violation_id} belongs to another visit.",
            vi=f"Vi phạm {violation_id} thuộc một cuộc kiểm tra khác.",
        )
    return violation


async def person_of(session: AsyncSession, violation: Violation) -> ViolationPerson | None:
    """Return the person the violation names (personal data: for those who may read it)."""
    return await session.get(ViolationPerson, violation.id)


def fields_of(violation: Violation, person: ViolationPerson | None) -> ViolationFields:
    """Return the violation as a team records it."""
    return ViolationFields.model_validate(
        {
            **violation.model_dump(
                include={
                    "category_code",
                    "criterion_code",
                    "severity",
                    "unit_id",
                    "description",
                    "observed_at",
                }
            ),
            "person": None
            if person is None
            else {"full_name": person.full_name, "position": person.position},
        }
    )


async def write_violation(
    session: AsyncSession,
    *,
    violation: Violation,
    data: ViolationFields,
    person: ViolationPerson | None,
) -> None:
    """Set the violation's fields and the person it names from `data`."""
    for name in ("category_code", "criterion_code", "severity", "unit_id", "description"):
        setattr(violation, name, getattr(data, name))
    violation.observed_at = data.observed_at
    violation.person_key = person_key(data.person.full_name) if data.person else None
    if data.person is None:
        if person is not None:
            await session.delete(person)
    elif person is None:
        session.add(ViolationPerson(violation_id=violation.id, **data.person.model_dump()))
    else:
        person.full_name, person.position = data.person.full_name, data.person.position


async def put_violation(
    session: AsyncSession,
    *,
    visit: Visit,
    current: Violation | None,
    violation_id: uuid.UUID,
    data: ViolationWrite,
    caller: Identity,
) -> Violation:
    """Record a violation at `data.version`; a resend of that version changes nothing."""
    person = await person_of(session, current) if current is not None else None
    if current is not None:
        same = fields_of(current, person) == ViolationFields.model_validate(
            data.model_dump(exclude={"version"})
        )
        if not accept_version(
            stored=current.version, incoming=data.version, same=same, what="violation"
        ):
            return current
    refuse_sealed(visit)
    await check_violation(session, visit=visit, data=data, loc=["body"])
    now = utcnow()
    violation = current or Violation(
        id=violation_id,
        visit_id=visit.id,
        version=data.version,
        unit_id=data.unit_id,
        category_code=data.category_code,
        severity=data.severity,
        description=data.description,
        recorded_by=caller.subject,
        recorded_at=now,
        updated_at=now,
    )
    if current is None:
        session.add(violation)
    violation.version, violation.recorded_by, violation.updated_at = (
        data.version,
        caller.subject,
        now,
    )
    await write_violation(session, violation=violation, data=data, person=person)
    repeats = await repeats_of(
        session,
        visit=visit,
        violation_id=violation.id,
        unit_id=violation.unit_id,
        category_code=violation.category_code,
        person=violation.person_key,
    )
    violation.repeat_of = [str(found) for found in repeats]
    touch(visit, now)
    publish(session, recorded_event(visit, violation, recorded_by=caller.subject, at=now))
    return violation


def recorded_event(
    visit: Visit, violation: Violation, *, recorded_by: str, at: datetime
) -> ViolationRecorded:
    """Return the event announcing the violation: whether it names a person, never who."""
    return ViolationRecorded(
        visit_id=visit.id,
        violation_id=violation.id,
        version=violation.version,
        visited_unit_id=visit.unit_id,
        unit_id=violation.unit_id,
        category_code=violation.category_code,
        criterion_code=violation.criterion_code,
        severity=violation.severity,
        names_person=violation.person_key is not None,
        repeat_of=[uuid.UUID(found) for found in violation.repeat_of],
        recorded_by=recorded_by,
        recorded_at=at,
    )


async def violations_of(session: AsyncSession, visit: Visit) -> list[Violation]:
    """Return the visit's violations in id order."""
    rows = await session.scalars(
        select(Violation).where(col(Violation.visit_id) == visit.id).order_by(col(Violation.id))
    )
    return list(rows.all())


async def people_of(
    session: AsyncSession, violations: list[Violation]
) -> dict[uuid.UUID, ViolationPerson]:
    """Return the people the violations name, by violation (personal data)."""
    named = [v.id for v in violations if v.person_key is not None]
    if not named:
        return {}
    rows = await session.scalars(
        select(ViolationPerson).where(col(ViolationPerson.violation_id).in_(named))
    )
    return {row.violation_id: row for row in rows}


async def refresh_repeats(session: AsyncSession, visit: Visit) -> None:
    """Find each violation's repeats again, as the record is sealed with them."""
    for violation in await violations_of(session, visit):
        repeats = await repeats_of(
            session,
            visit=visit,
            violation_id=violation.id,
            unit_id=violation.unit_id,
            category_code=violation.category_code,
            person=violation.person_key,
        )
        found = [str(r) for r in repeats]
        if found != violation.repeat_of:
            violation.repeat_of = found


def violation_read(
    violation: Violation, person: ViolationPerson | None, *, show_recorders: bool
) -> ViolationRead:
    """Return the violation as the API shows it; `person` only for those who may read it."""
    return ViolationRead.model_validate(
        {
            **violation.model_dump(exclude={"visit_id", "person_key", "recorded_by"}),
            "names_person": violation.person_key is not None,
            "person": None
            if person is None
            else PersonRead(full_name=person.full_name, position=person.position),
            "recorded_by": violation.recorded_by if show_recorders else None,
        }
    )


async def violations_read(
    session: AsyncSession, *, visit: Visit, show_people: bool, show_recorders: bool
) -> list[ViolationRead]:
    """Return the visit's violations; whom they name is read only when `show_people`."""
    violations = await violations_of(session, visit)
    people = await people_of(session, violations) if show_people else {}
    return [violation_read(v, people.get(v.id), show_recorders=show_recorders) for v in violations]
