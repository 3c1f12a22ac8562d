"""The inbox: which events a consumer has had its effect for, written with that effect."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col, select

from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow


class InboxMessage(SQLModel, table=True):
    """One processed event, unique per consumer: the record that makes effects exactly-once."""

    __tablename__ = "inbox"

    consumer: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    event_id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    event_type: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    processed_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


async def seen(session: AsyncSession, *, consumer: str, event_id: str) -> bool:
    """Tell whether `consumer` already had its effect for `event_id`."""
    return await session.get(InboxMessage, (consumer, event_id)) is not None


async def seen_among(session: AsyncSession, *, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Return which of `event_ids` `consumer` already had its effect for, in one query."""
    rows = await session.scalars(
        select(InboxMessage.event_id).where(
            InboxMessage.consumer == consumer, col(InboxMessage.event_id).in_(event_ids)
        )
    )
    return set(rows)


def record(session: AsyncSession, *, consumer: str, event_id: str, event_type: str) -> None:
    """Claim `event_id` for `consumer` in the current transaction."""
    session.add(
        InboxMessage(
            consumer=consumer, event_id=event_id, event_type=event_type, processed_at=utcnow()
        )
    )


async def record_all(
    session: AsyncSession, *, consumer: str, events: Sequence[tuple[str, str]]
) -> None:
    """Claim every (event_id, event_type) for `consumer` in the current transaction, at once."""
    if events:
        now = utcnow()
        await session.execute(
            sa.insert(InboxMessage),
            [
                {"consumer": consumer, "event_id": i, "event_type": t, "processed_at": now}
                for i, t in events
            ],
        )
