"""Domain logic of the citizen-feedback service."""

import uuid

from sqlalchemy import CTE
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from citizen_feedback.errors import OwnUnitRated, RatingNotFound
from citizen_feedback.models import DirectoryUnit, Rating
from citizen_feedback.schemas import RatingCreate
from contracts import RatingSubmitted
from contracts.feedback import RaterKind
from eventbus import outbox
from servicekit.access import UNIT_SCOPED, Identity, Role
from servicekit.errors import Invalid
from servicekit.times import to_vn, utcnow

SOURCE = "/congvu/citizen-feedback"


def _chain(unit_id: uuid.UUID) -> CTE:
    """Return a query of `unit_id`'s directory entry and those of every unit above it."""
    chain = (
        select(DirectoryUnit.id, DirectoryUnit.parent_id, DirectoryUnit.code)
        .where(col(DirectoryUnit.id) == unit_id)
        .cte("chain", recursive=True)
    )
    return chain.union_all(
        select(DirectoryUnit.id, DirectoryUnit.parent_id, DirectoryUnit.code).join(
            chain, col(DirectoryUnit.id) == chain.c.parent_id
        )
    )


async def _province_code(session: AsyncSession, unit_id: uuid.UUID) -> str | None:
    """Return the code of the unit at the top of `unit_id`'s parent chain, if it is known."""
    chain = _chain(unit_id)
    top: str | None = await session.scalar(select(chain.c.code).where(chain.c.parent_id.is_(None)))
    return top


async def _is_or_lies_beneath(session: AsyncSession, unit_id: uuid.UUID, code: str) -> bool:
    """Tell whether `unit_id` is the unit with official `code` or lies beneath it."""
    chain = _chain(unit_id)
    found = await session.scalar(select(chain.c.id).where(chain.c.code == code).limit(1))
    return found is not None


def rater_of(caller: Identity) -> RaterKind:
    """Return who is rating: a citizen, a provincial system for one, or an official."""
    if caller.role == Role.PUBLIC:
        return "citizen"
    if caller.role == Role.PROVINCIAL_SYSTEM:
        return "kiosk"
    return "official"


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


async def check_not_own_unit(
    session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity
) -> None:
    """Refuse a unit's own staff rating their unit or any unit beneath it."""
    if caller.role not in UNIT_SCOPED or caller.unit_code is None:
        return
    if await _is_or_lies_beneath(session, unit_id, caller.unit_code):
        raise OwnUnitRated(
            "Staff of a unit may not rate their own unit or the units beneath it;"
            " ratings of its service come from the citizens it serves."
        )


async def submit_rating(session: AsyncSession, *, data: RatingCreate, caller: Identity) -> Rating:
    """Record a rating of a registered unit, saying who rated, and announce it."""
    await check_unit(session, unit_id=data.unit_id, caller=caller)
    await check_not_own_unit(session, unit_id=data.unit_id, caller=caller)
    rater = rater_of(caller)
    rating = Rating(**data.model_dump(), submitted_at=utcnow(), rater=rater)
    session.add(rating)
    outbox.add(
        session,
        RatingSubmitted(
            rating_id=rating.id,
            unit_id=rating.unit_id,
            score=rating.score,
            service=rating.service,
            submitted_at=rating.submitted_at,
            rater=rater,
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
