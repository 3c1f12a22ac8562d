"""Events the plans service consumes, idempotent through the inbox."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import VisitStarted, topics
from eventbus.bus import Subscription
from eventbus.consumer import Handlers
from eventbus.envelope import Envelope
from plans.scheduling.service import start_inspection


async def on_visit_started(session: AsyncSession, event: VisitStarted, _: Envelope) -> None:
    """A visit started: its inspection starts, and a surprise one is no longer sealed."""
    await start_inspection(session, visit=event)


HANDLERS: Handlers = {VisitStarted: on_visit_started}

SUBSCRIPTIONS = (Subscription(name="plans.inspections", topics=[topics.VISITS], handlers=HANDLERS),)
