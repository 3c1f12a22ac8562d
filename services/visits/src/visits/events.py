"""The one way the visits service stages its events; the app's sessions name their source."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.base import Event
from eventbus import outbox


def publish(session: AsyncSession, event: Event) -> None:
    """Stage `event` in the outbox, to commit with the change it announces."""
    outbox.add(session, event)
