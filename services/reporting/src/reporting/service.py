"""Queries over the reporting read models."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reporting.errors import UnitNotReported
from reporting.labels import UNIT_LEVELS
from reporting.models import FIGURES, AuditEntry, UnitScore
from reporting.schemas import UnitFigures, UnitScorecard
from servicekit.access import Identity
from servicekit.pagination import SortKey, page_by_id
from servicekit.tenancy import UnitTree

# Reporting's copy of the registry, as `servicekit.tenancy` walks it.
TREE = UnitTree(col(UnitScore.unit_id), col(UnitScore.parent_id), col(UnitScore.code))


def _average(score_sum: int, count: int) -> float | None:
    return round(score_sum / count, 2) if count else None


def _figures(score: UnitScore, prefix: str) -> UnitFigures:
    """Return the report's figures of a read model: the `total_` ones or the unit's own."""
    counts = {figure: getattr(score, prefix + figure) for figure in FIGURES}
    return UnitFigures(
        inspections_started=counts["inspections_started"],
        visits_started=counts["visits_started"],
        ratings_count=counts["ratings_count"],
        satisfaction_average=_average(counts["ratings_score_sum"], counts["ratings_count"]),
        official_ratings_count=counts["official_ratings_count"],
        official_satisfaction_average=_average(
            counts["official_ratings_score_sum"], counts["official_ratings_count"]
        ),
    )


def scorecard(score: UnitScore) -> UnitScorecard:
    """Return the report view of a unit's read model."""
    return UnitScorecard(
        unit_id=score.unit_id,
        code=score.code,
        name=score.name,
        level=score.level,
        level_label=UNIT_LEVELS.get(score.level) if score.level else None,
        parent_id=score.parent_id,
        **_figures(score, "total_").model_dump(),
        own=_figures(score, ""),
        updated_at=score.updated_at,
    )


def in_scope_of(caller: Identity) -> Any:
    """Return the condition selecting the scorecards the caller may see, for the same query."""
    return TREE.within(caller, col(UnitScore.unit_id))


def audited_in_reach(caller: Identity) -> Any:
    """Return the condition selecting what was done by people of the caller's province."""
    reach = TREE.reach(caller)
    if reach is None:
        return col(AuditEntry.entry_id).is_not(None)
    codes = select(UnitScore.code).where(col(UnitScore.unit_id).in_(reach))
    return col(AuditEntry.unit_code).in_(codes)


async def get_scorecard(
    session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity
) -> UnitScorecard:
    """Return one unit's scorecard, if the caller may see it."""
    # One query whether reporting knows nothing of the unit or it lies outside the caller's
    # scope: a unit role learns nothing outside its unit, not even from the 404's timing.
    score = await session.scalar(
        select(UnitScore).where(col(UnitScore.unit_id) == unit_id, in_scope_of(caller))
    )
    if score is None:
        raise UnitNotReported(
            f"Reports have nothing about unit {unit_id} yet.",
            vi=f"Báo cáo chưa có dữ liệu nào về đơn vị {unit_id}.",
        )
    return scorecard(score)


class AuditEntrySort(SortKey):
    """How the audit trail may be sorted: `field` ascending, `-field` descending."""

    AT = "at", AuditEntry.at
    AT_DESC = "-at", AuditEntry.at


async def list_audit_entries(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    actor: str | None,
    operation: str | None,
    since: datetime | None,
    until: datetime | None,
    sort: AuditEntrySort | None = None,
    caller: Identity,
) -> tuple[list[AuditEntry], str | None]:
    """Return a page of what people of the caller's province did, oldest first, and the cursor.

    The Ministry sees the whole trail.
    """
    query = select(AuditEntry).where(audited_in_reach(caller))
    if actor is not None:
        query = query.where(col(AuditEntry.actor) == actor)
    if operation is not None:
        query = query.where(col(AuditEntry.operation) == operation)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    return await page_by_id(
        session, query, id_column=AuditEntry.entry_id, limit=limit, cursor=cursor, sort=sort
    )


class ScorecardSort(SortKey):
    """How the scorecard list may be sorted (figures with the units beneath): `-field` descends."""

    VISITS_STARTED = "visits_started", UnitScore.total_visits_started
    VISITS_STARTED_DESC = "-visits_started", UnitScore.total_visits_started
    INSPECTIONS_STARTED = "inspections_started", UnitScore.total_inspections_started
    INSPECTIONS_STARTED_DESC = "-inspections_started", UnitScore.total_inspections_started
    RATINGS_COUNT = "ratings_count", UnitScore.total_ratings_count
    RATINGS_COUNT_DESC = "-ratings_count", UnitScore.total_ratings_count
    OFFICIAL_RATINGS_COUNT = "official_ratings_count", UnitScore.total_official_ratings_count
    OFFICIAL_RATINGS_COUNT_DESC = "-official_ratings_count", UnitScore.total_official_ratings_count
    UPDATED_AT = "updated_at", UnitScore.updated_at
    UPDATED_AT_DESC = "-updated_at", UnitScore.updated_at


async def list_scorecards(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    parent_id: uuid.UUID | None,
    caller: Identity,
    sort: ScorecardSort | None = None,
) -> tuple[list[UnitScorecard], str | None]:
    """Return a page of the scorecards the caller may see, and the next cursor."""
    query = select(UnitScore).where(in_scope_of(caller))
    if parent_id is not None:
        query = query.where(col(UnitScore.parent_id) == parent_id)
    rows, next_cursor = await page_by_id(
        session, query, id_column=UnitScore.unit_id, limit=limit, cursor=cursor, sort=sort
    )
    return [scorecard(r) for r in rows], next_cursor
