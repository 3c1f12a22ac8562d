"""Queries over the reporting read models."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reporting.errors import UnitNotReported
from reporting.labels import UNIT_LEVELS
from reporting.models import AuditEntry, UnitScore
from reporting.schemas import UnitScorecard
from servicekit.access import Identity
from servicekit.pagination import SortOrder, page_by_id

SCORECARD_SORTABLE = {
    "visits_started": UnitScore.visits_started,
    "inspections_started": UnitScore.inspections_started,
    "ratings_count": UnitScore.ratings_count,
    "updated_at": UnitScore.updated_at,
}


def scorecard(score: UnitScore) -> UnitScorecard:
    """Return the report view of a unit's read model."""
    return UnitScorecard(
        unit_id=score.unit_id,
        code=score.code,
        name=score.name,
        level=score.level,
        level_label=UNIT_LEVELS.get(score.level) if score.level else None,
        parent_id=score.parent_id,
        visits_started=score.visits_started,
        inspections_started=score.inspections_started,
        ratings_count=score.ratings_count,
        satisfaction_average=(
            round(score.ratings_score_sum / score.ratings_count, 2) if score.ratings_count else None
        ),
        updated_at=score.updated_at,
    )


async def unit_scope(session: AsyncSession, *, code: str | None) -> set[uuid.UUID]:
    """Return the ids of the unit with official `code` and of every unit beneath it."""
    if code is None:
        return set()
    root = select(UnitScore.unit_id).where(col(UnitScore.code) == code).cte("scope", recursive=True)
    tree = root.union(
        select(UnitScore.unit_id).join(root, col(UnitScore.parent_id) == root.c.unit_id)
    )
    return set((await session.scalars(select(tree.c.unit_id))).all())


async def get_scorecard(
    session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity
) -> UnitScorecard:
    """Return one unit's scorecard, if the caller may see it."""
    score = await session.get(UnitScore, unit_id)
    if score is None:
        raise UnitNotReported(f"Reports have nothing about unit {unit_id} yet.")
    if caller.unit_scoped and unit_id not in await unit_scope(session, code=caller.unit_code):
        # Not found rather than forbidden: a unit role learns nothing outside its unit.
        raise UnitNotReported(f"Reports have nothing about unit {unit_id} yet.")
    return scorecard(score)


async def list_audit_entries(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    actor: str | None,
    operation: str | None,
    since: datetime | None,
    until: datetime | None,
    sort: str | None = None,
) -> tuple[list[AuditEntry], str | None]:
    """Return a page of the audit trail, oldest first, and the next cursor."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(col(AuditEntry.actor) == actor)
    if operation is not None:
        query = query.where(col(AuditEntry.operation) == operation)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    order = SortOrder.of(sort, {"at": AuditEntry.at}) if sort else None
    return await page_by_id(
        session, query, id_column=AuditEntry.entry_id, limit=limit, cursor=cursor, sort=order
    )


async def list_scorecards(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    parent_id: uuid.UUID | None,
    caller: Identity,
    sort: str | None = None,
) -> tuple[list[UnitScorecard], str | None]:
    """Return a page of the scorecards the caller may see, and the next cursor."""
    query = select(UnitScore)
    if caller.unit_scoped:
        scope = await unit_scope(session, code=caller.unit_code)
        query = query.where(col(UnitScore.unit_id).in_(scope))
    if parent_id is not None:
        query = query.where(col(UnitScore.parent_id) == parent_id)
    order = SortOrder.of(sort, SCORECARD_SORTABLE) if sort else None
    rows, next_cursor = await page_by_id(
        session, query, id_column=UnitScore.unit_id, limit=limit, cursor=cursor, sort=order
    )
    return [scorecard(r) for r in rows], next_cursor
