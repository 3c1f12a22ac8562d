"""The inbox: which events a consumer has had its effect for, written with that effect."""

from datetime import datetime

import sqlalchemy as sa
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


async def seen(session: AsyncSession, *, consumer: str, event_id: str) -> bool:
    """Tell whether `consumer` already had its effect for `event_id`."""
    return await session.get(InboxMessage, (consumer, event_id)) is not None


def record(session: AsyncSession, *, consumer: str, event_id: str, event_type: str) -> None:
    """Claim `event_id` for `consumer` in the current transaction."""
    session.add(
        InboxMessage(
            consumer=consumer, event_id=event_id, event_type=event_type, processed_at=utcnow()
        )
    )
