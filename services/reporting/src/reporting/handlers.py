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
from reporting.models import FIGURES, AuditEntry, StartedInspection, UnitScore
from servicekit.times import utcnow


async def _score(session: AsyncSession, unit_id: uuid.UUID) -> UnitScore:
    # Locked: members consuming other partitions may update the same unit at once.
    score = await session.get(UnitScore, unit_id, with_for_update=True)
    if score is None:
        # Events of one unit travel on several topics: whichever comes first creates the row.
        score = UnitScore(unit_id=unit_id, updated_at=utcnow())
        session.add(score)
    return score


def _totals(score: UnitScore) -> dict[str, int]:
    """Return the unit's figures including every unit beneath it."""
    return {figure: getattr(score, f"total_{figure}") for figure in FIGURES}


async def _add_above(
    session: AsyncSession, score: UnitScore, parent_id: uuid.UUID | None, counts: dict[str, int]
) -> None:
    """Add `counts` (of `score`'s unit) to the totals of `parent_id` and every unit above it."""
    # A cycle in the registry would be a bug there; here it only ends the walk.
    seen = {score.unit_id}
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        # A parent reporting has not heard of yet gets a row that holds its totals until its
        # registration arrives (and, if it has a parent itself, carries them up).
        parent = await _score(session, parent_id)
        for figure, count in counts.items():
            total = f"total_{figure}"
            setattr(parent, total, getattr(parent, total) + count)
        parent.updated_at = utcnow()
        parent_id = parent.parent_id


async def _count(session: AsyncSession, unit_id: uuid.UUID, **counts: int) -> None:
    """Add `counts` to the unit's own figures, its totals and the totals of every unit above."""
    score = await _score(session, unit_id)
    for figure, count in counts.items():
        setattr(score, figure, getattr(score, figure) + count)
        setattr(score, f"total_{figure}", getattr(score, f"total_{figure}") + count)
    score.updated_at = utcnow()
    await _add_above(session, score, score.parent_id, counts)


async def _place(session: AsyncSession, score: UnitScore, parent_id: uuid.UUID | None) -> None:
    """Put the unit under `parent_id`, moving its totals from its old parents to its new ones."""
    if parent_id == score.parent_id:
        return
    totals = _totals(score)
    if any(totals.values()):
        await _add_above(session, score, score.parent_id, {f: -n for f, n in totals.items()})
        await _add_above(session, score, parent_id, totals)
    score.parent_id = parent_id


async def on_unit_registered(session: AsyncSession, event: UnitRegistered, _: Envelope) -> None:
    """Copy the unit's registry details into its scorecard."""
    score = await _score(session, event.unit_id)
    score.code, score.name, score.level = event.code, event.name, event.level
    await _place(session, score, event.parent_id)
    score.updated_at = utcnow()


async def on_unit_changed(session: AsyncSession, event: UnitChanged, _: Envelope) -> None:
    """Keep the scorecard's registry details current; a unit that moved takes its figures along."""
    # A closed or merged unit keeps its figures and its place: its successor does not take them.
    score = await _score(session, event.unit_id)
    score.code, score.name, score.level = event.code, event.name, event.level
    await _place(session, score, event.parent_id)
    score.updated_at = utcnow()


async def on_visit_started(session: AsyncSession, event: VisitStarted, _: Envelope) -> None:
    """Count a visit at the unit."""
    await _count(session, event.unit_id, visits_started=1)


async def on_inspection_started(
    session: AsyncSession, event: InspectionStarted, _: Envelope
) -> None:
    """Count a planned inspection at its target once it has started (never while sealed)."""
    # Each inspection counts once, however many visits carry it out.
    if await session.get(StartedInspection, event.inspection_id) is not None:
        return
    session.add(
        StartedInspection(
            inspection_id=event.inspection_id,
            unit_id=event.target_unit_id,
            started_at=event.started_at,
        )
    )
    await _count(session, event.target_unit_id, inspections_started=1)


async def on_rating_submitted(session: AsyncSession, event: RatingSubmitted, _: Envelope) -> None:
    """Count a rating of the unit: citizens' and officials' apart."""
    if event.rater == "official":
        await _count(
            session, event.unit_id, official_ratings_count=1, official_ratings_score_sum=event.score
        )
    else:
        await _count(session, event.unit_id, ratings_count=1, ratings_score_sum=event.score)


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
