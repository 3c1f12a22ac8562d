"""Domain logic of the citizen-feedback service."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from citizen_feedback.errors import RatingNotFound
from citizen_feedback.models import DirectoryUnit, Rating
from citizen_feedback.schemas import RatingCreate
from contracts import RatingSubmitted
from eventbus import outbox
from servicekit.access import Identity, Role
from servicekit.errors import Invalid
from servicekit.times import to_vn, utcnow

SOURCE = "/congvu/citizen-feedback"


async def _province_code(session: AsyncSession, unit_id: uuid.UUID) -> str | None:
    """Return the code of the unit at the top of `unit_id`'s parent chain, if it is known."""
    chain = (
        select(DirectoryUnit.id, DirectoryUnit.parent_id, DirectoryUnit.code)
        .where(col(DirectoryUnit.id) == unit_id)
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(DirectoryUnit.id, DirectoryUnit.parent_id, DirectoryUnit.code).join(
            chain, col(DirectoryUnit.id) == chain.c.parent_id
        )
    )
    top: str | None = await session.scalar(select(chain.c.code).where(chain.c.parent_id.is_(None)))
    return top


async def check_unit(session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity) -> None:
    """Refuse a unit that is not registered, has closed, or lies outside a system's province."""
    unit = await session.get(DirectoryUnit, unit_id)
    # Outside a provincial system's province, a unit answers as if it were not registered.
    if unit is None or (
        caller.role == Role.PROVINCIAL_SYSTEM
        and await _province_code(session, unit_id) != caller.unit_code
    ):
        raise Invalid.field(["body", "unit_id"], "No registered unit has this id.")
    if unit.valid_to is not None and unit.valid_to < to_vn(utcnow()).date():
        raise Invalid.field(
            ["body", "unit_id"], f"This unit ceased on {unit.valid_to}; rate its successor."
        )


async def submit_rating(session: AsyncSession, *, data: RatingCreate, caller: Identity) -> Rating:
    """Record a citizen's rating of a registered unit and announce it."""
    await check_unit(session, unit_id=data.unit_id, caller=caller)
    rating = Rating(**data.model_dump(), submitted_at=utcnow())
    session.add(rating)
    outbox.add(
        session,
        RatingSubmitted(
            rating_id=rating.id,
            unit_id=rating.unit_id,
            score=rating.score,
            service=rating.service,
            submitted_at=rating.submitted_at,
        ),
        source=SOURCE,
    )
    return rating


async def get_rating(session: AsyncSession, *, rating_id: uuid.UUID) -> Rating:
    """Return one rating."""
    rating = await session.get(Rating, rating_id)
    if rating is None:
        raise RatingNotFound(f"No rating has id {rating_id}.")
    return rating
