"""Events the plans service consumes, idempotent through the inbox."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.visits import VisitStarted, VisitSubmitted
from eventbus.bus import Subscription
from eventbus.consumer import Handlers
from plans.scheduling.inspection_service import record_submitted, start_inspection


async def on_visit_started(session: AsyncSession, event: VisitStarted) -> None:
    """A visit started: its inspection starts, and a surprise one is no longer sealed."""
    await start_inspection(session, visit=event)


async def on_visit_submitted(session: AsyncSession, event: VisitSubmitted) -> None:
    """A visit's record was sealed: its inspection shows when, and under which digest."""
    await record_submitted(session, visit=event)


HANDLERS: Handlers = {VisitStarted: on_visit_started, VisitSubmitted: on_visit_submitted}

SUBSCRIPTIONS = (Subscription(name="plans.inspections", handlers=HANDLERS),)
