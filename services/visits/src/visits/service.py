"""Domain logic of the visits service."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from contracts import VisitStarted
from eventbus import outbox
from servicekit.times import utcnow
from visits.errors import VisitIdReused, VisitNotFound
from visits.models import Visit
from visits.schemas import VisitCreate

SOURCE = "/congvu/visits"


async def start_visit(
    session: AsyncSession, *, data: VisitCreate, actor: str
) -> tuple[Visit, bool]:
    """Record that a visit started; return it and whether it is new (offline sync repeats)."""
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
            raise VisitIdReused(f"Visit {visit_id} already exists with different content.")
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


async def get_visit(session: AsyncSession, *, visit_id: uuid.UUID) -> Visit:
    """Return one visit."""
    visit = await session.get(Visit, visit_id)
    if visit is None:
        raise VisitNotFound(f"No visit has id {visit_id}.")
    return visit
