"""Events reporting consumes, one handler each, all idempotent through the inbox."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import (
    AuditRecorded,
    InspectionStarted,
    RatingSubmitted,
    UnitChanged,
    UnitRegistered,
    VisitStarted,
    topics,
)
from eventbus.bus import Subscription
from eventbus.consumer import Handlers
from eventbus.envelope import Envelope
from reporting.models import AuditEntry, UnitScore
from servicekit.times import utcnow


async def _score(session: AsyncSession, unit_id: uuid.UUID) -> UnitScore:
    # Locked: members consuming other partitions may update the same unit at once.
    score = await session.get(UnitScore, unit_id, with_for_update=True)
    if score is None:
        # Events of one unit travel on several topics: whichever comes first creates the row.
        score = UnitScore(unit_id=unit_id, updated_at=utcnow())
        session.add(score)
    return score


async def on_unit_registered(session: AsyncSession, event: UnitRegistered, _: Envelope) -> None:
    """Copy the unit's registry details into its scorecard."""
    score = await _score(session, event.unit_id)
    score.code, score.name, score.level = event.code, event.name, event.level
    score.parent_id = event.parent_id
    score.updated_at = utcnow()


async def on_unit_changed(session: AsyncSession, event: UnitChanged, _: Envelope) -> None:
    """Keep the scorecard's registry details current."""
    score = await _score(session, event.unit_id)
    score.code, score.name, score.level = event.code, event.name, event.level
    score.parent_id = event.parent_id
    score.updated_at = utcnow()


async def on_visit_started(session: AsyncSession, event: VisitStarted, _: Envelope) -> None:
    """Count a visit at the unit."""
    score = await _score(session, event.unit_id)
    score.visits_started += 1
    score.updated_at = utcnow()


async def on_inspection_started(
    session: AsyncSession, event: InspectionStarted, _: Envelope
) -> None:
    """Count a planned inspection at its target once it has started (never while sealed)."""
    score = await _score(session, event.target_unit_id)
    score.inspections_started += 1
    score.updated_at = utcnow()


async def on_rating_submitted(session: AsyncSession, event: RatingSubmitted, _: Envelope) -> None:
    """Count a citizen rating of the unit."""
    score = await _score(session, event.unit_id)
    score.ratings_count += 1
    score.ratings_score_sum += event.score
    score.updated_at = utcnow()


async def on_audit_recorded(session: AsyncSession, event: AuditRecorded, _: Envelope) -> None:
    """Append the action to the audit trail."""
    session.add(AuditEntry(**event.model_dump()))


HANDLERS: Handlers = {
    UnitRegistered: on_unit_registered,
    UnitChanged: on_unit_changed,
    VisitStarted: on_visit_started,
    InspectionStarted: on_inspection_started,
    RatingSubmitted: on_rating_submitted,
    AuditRecorded: on_audit_recorded,
}

SUBSCRIPTIONS = (
    Subscription(
        name="reporting.scorecards",
        topics=[topics.PLANS, topics.VISITS, topics.FEEDBACK, topics.AUDIT],
        handlers=HANDLERS,
    ),
)
