"""Where the plans service's events come from, and the one way it stages them."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import Event
from eventbus import outbox

SOURCE = "/congvu/plans"


def publish(session: AsyncSession, event: Event) -> None:
    """Stage `event` in the outbox, to commit with the change it announces."""
    outbox.add(session, event, source=SOURCE)
