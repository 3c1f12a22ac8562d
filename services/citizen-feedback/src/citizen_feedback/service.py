"""Domain logic of the citizen-feedback service."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from citizen_feedback.errors import RatingNotFound
from citizen_feedback.models import Rating
from citizen_feedback.schemas import RatingCreate
from contracts import RatingSubmitted
from eventbus import outbox
from servicekit.times import utcnow

SOURCE = "/congvu/citizen-feedback"


async def submit_rating(session: AsyncSession, *, data: RatingCreate) -> Rating:
    """Record a citizen's rating and announce it."""
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
