"""Queries over the reporting read models."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reporting.errors import UnitNotReported
from reporting.labels import UNIT_LEVELS
from reporting.models import UnitScore
from reporting.schemas import UnitScorecard
from servicekit.pagination import page_by_id


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
        ratings_count=score.ratings_count,
        satisfaction_average=(
            round(score.ratings_score_sum / score.ratings_count, 2) if score.ratings_count else None
        ),
        updated_at=score.updated_at,
    )


async def get_scorecard(session: AsyncSession, *, unit_id: uuid.UUID) -> UnitScorecard:
    """Return one unit's scorecard."""
    score = await session.get(UnitScore, unit_id)
    if score is None:
        raise UnitNotReported(f"Reports have nothing about unit {unit_id} yet.")
    return scorecard(score)


async def list_scorecards(
    session: AsyncSession, *, limit: int, cursor: str | None, parent_id: uuid.UUID | None
) -> tuple[list[UnitScorecard], str | None]:
    """Return a page of scorecards and the next cursor."""
    query = select(UnitScore)
    if parent_id is not None:
        query = query.where(col(UnitScore.parent_id) == parent_id)
    rows, next_cursor = await page_by_id(
        session, query, id_column=UnitScore.unit_id, limit=limit, cursor=cursor
    )
    return [scorecard(r) for r in rows], next_cursor
