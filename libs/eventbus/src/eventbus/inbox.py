"""The inbox: which events a consumer has had its effect for, written with that effect."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow


class InboxMessage(SQLModel, table=True):
    """One processed event, unique per consumer: the record that makes effects exactly-once."""

    __tablename__ = "inbox"

    consumer: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    event_id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    event_type: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    processed_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


INBOX = InboxMessage.metadata.tables["inbox"]
# Per dialect: insert the rows not there yet and return the ids of those it inserted.
CLAIM = {
    name: insert(INBOX).on_conflict_do_nothing().returning(INBOX.c.event_id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


async def seen(session: AsyncSession, *, consumer: str, event_id: str) -> bool:
    """Tell whether `consumer` already had its effect for `event_id`."""
    return await session.get(InboxMessage, (consumer, event_id)) is not None


async def claim(
    session: AsyncSession, *, consumer: str, events: Sequence[tuple[str, str]]
) -> set[str]:
    """Claim every (event_id, event_type) `consumer` has not claimed yet; return the ids claimed."""
    # One statement checks and records a whole batch; the claims commit with the effects or
    # roll back with them. A member claiming the same event at once waits for the first
    # claim's transaction to end, then finds the event claimed.
    if not events:
        return set()
    now = utcnow()
    rows = [
        {"consumer": consumer, "event_id": i, "event_type": t, "processed_at": now}
        for i, t in dict(events).items()
    ]
    claimed = await session.scalars(CLAIM[session.get_bind().dialect.name], rows)
    return set(claimed)
