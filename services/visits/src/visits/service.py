"""Domain logic of the visits service."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from uuid6 import uuid7

from contracts import VisitStarted
from eventbus import outbox
from eventbus.directory import DIRECTORY, reaches
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.times import utcnow
from visits.errors import VisitIdReused, VisitNotFound
from visits.models import Visit
from visits.schemas import VisitCreate

SOURCE = "/congvu/visits"


async def _check_unit(session: AsyncSession, unit_id: uuid.UUID, caller: Identity) -> None:
    """Refuse a unit the registry has not announced, or one outside the caller's province."""
    if not await reaches(session, caller, unit_id):
        raise Invalid.field(
            ["body", "unit_id"],
            "No registered unit has this id.",
            vi="Không có đơn vị nào trong danh mục có mã định danh này.",
        )


async def start_visit(
    session: AsyncSession, *, data: VisitCreate, caller: Identity
) -> tuple[Visit, bool]:
    """Record that a visit started; return it and whether it is new (offline sync repeats)."""
    actor = caller.subject
    await _check_unit(session, data.unit_id, caller)
    visit_id = data.id or uuid7()
    existing = await session.get(Visit, visit_id)
    if existing is not None:
        same = (
            existing.unit_id == data.unit_id
            and existing.started_at == data.started_at
            and existing.surprise == data.surprise
            and existing.note == data.note
            and existing.inspection_id == data.inspection_id
        )
        if not same:
            raise VisitIdReused(
                f"Visit {visit_id} already exists with different content.",
                vi=f"Đã có cuộc kiểm tra tại đơn vị mang mã {visit_id} với nội dung khác.",
            )
        return existing, False
    visit = Visit(
        id=visit_id,
        unit_id=data.unit_id,
        started_at=data.started_at,
        surprise=data.surprise,
        note=data.note,
        inspection_id=data.inspection_id,
        created_at=utcnow(),
    )
    session.add(visit)
    outbox.add(
        session,
        VisitStarted(
            visit_id=visit.id,
            unit_id=visit.unit_id,
            started_at=visit.started_at,
            surprise=visit.surprise,
            inspection_id=visit.inspection_id,
            started_by=actor,
        ),
        source=SOURCE,
    )
    return visit, True


async def get_visit(session: AsyncSession, *, visit_id: uuid.UUID, caller: Identity) -> Visit:
    """Return one visit at a unit within the caller's province."""
    visit = await session.scalar(
        select(Visit).where(col(Visit.id) == visit_id, DIRECTORY.within(caller, col(Visit.unit_id)))
    )
    if visit is None:
        raise VisitNotFound(
            f"No visit has id {visit_id}.",
            vi=f"Không có cuộc kiểm tra tại đơn vị nào có mã định danh {visit_id}.",
        )
    return visit
