"""Domain logic of the citizen-feedback service."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from citizen_feedback.errors import OwnUnitRated, RatingNotFound
from citizen_feedback.models import Rating
from citizen_feedback.schemas import RatingCreate
from contracts.feedback import RaterKind, RatingSubmitted
from eventbus import outbox
from eventbus.directory import DIRECTORY, DirectoryUnit, reaches
from servicekit.access import UNIT_SCOPED, Identity, Role
from servicekit.errors import Invalid
from servicekit.times import to_vn, utcnow


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
        caller.role == Role.PROVINCIAL_SYSTEM and not await reaches(session, caller, unit_id)
    ):
        raise Invalid.field(
            ["body", "unit_id"],
            "No registered unit has this id.",
            vi="Không có đơn vị nào trong danh mục có mã định danh này.",
        )
    if unit.valid_to is not None and unit.valid_to < to_vn(utcnow()).date():
        raise Invalid.field(
            ["body", "unit_id"],
            f"This unit ceased on {unit.valid_to}; rate its successor.",
            vi=f"Đơn vị này đã chấm dứt hoạt động từ ngày {unit.valid_to:%d/%m/%Y};"
            " hãy đánh giá đơn vị kế thừa.",
        )


async def check_not_own_unit(
    session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity
) -> None:
    """Refuse a unit's own staff rating their unit or any unit beneath it."""
    if caller.role not in UNIT_SCOPED or caller.unit_code is None:
        return
    if await reaches(session, caller, unit_id):
        raise OwnUnitRated(
            "Staff of a unit may not rate their own unit or the units beneath it;"
            " ratings of its service come from the citizens it serves.",
            vi="Cán bộ, công chức của một đơn vị không được đánh giá đơn vị mình hoặc các đơn vị"
            " trực thuộc; đánh giá việc phục vụ của đơn vị là của người dân được phục vụ.",
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
    )
    return rating


async def get_rating(session: AsyncSession, *, rating_id: uuid.UUID, caller: Identity) -> Rating:
    """Return one rating of a unit within the caller's province."""
    rating = await session.scalar(
        select(Rating).where(
            col(Rating.id) == rating_id, DIRECTORY.within(caller, col(Rating.unit_id))
        )
    )
    if rating is None:
        raise RatingNotFound(
            f"No rating has id {rating_id}.",
            vi=f"Không có đánh giá nào có mã định danh {rating_id}.",
        )
    return rating
