"""The transactional outbox: an event is a row written in the same transaction as its cause."""

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel
from uuid6 import uuid7

from contracts.base import Event
from eventbus.envelope import encode_headers
from servicekit.db import EVENT_SOURCE
from servicekit.requestid import current_request_id, current_traceparent
from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow

_DIRTY = "congvu_outbox_dirty"


class OutboxMessage(SQLModel, table=True):
    """An event waiting to be published, kept after publishing for replay."""

    __tablename__ = "outbox"

    seq: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
    )
    event_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, unique=True))
    topic: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    event_type: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    headers: dict[str, str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    published_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True, index=True)
    )


def add(session: AsyncSession, event: Event, *, source: str | None = None) -> OutboxMessage:
    """Stage `event` for publishing; it is published only if the session's transaction commits.

    It comes from `source`, by default the service whose sessionmaker made the session.
    """
    source = source or session.sync_session.info.get(EVENT_SOURCE)
    if source is None:
        raise RuntimeError(
            "the session names no event source: make it with"
            " servicekit.db.create_sessionmaker(engine, event_source=...)"
        )
    event_id = str(uuid7())
    now = utcnow()
    extra: dict[str, Any] = {}
    if (request_id := current_request_id.get()) is not None:
        extra["x-request-id"] = request_id
    if (traceparent := current_traceparent.get()) is not None:
        extra["traceparent"] = traceparent
    row = OutboxMessage(
        event_id=event_id,
        topic=event.topic,
        key=event.key(),
        event_type=event.event_type,
        headers=encode_headers(
            event_id=event_id,
            event_type=event.event_type,
            source=source,
            time=now,
            subject=event.key(),
            extra=extra,
        ),
        payload=json.dumps(event.model_dump(mode="json"), ensure_ascii=False),
        created_at=now,
    )
    session.add(row)
    session.sync_session.info[_DIRTY] = True
    return row


_listeners: set[Any] = set()


def on_commit(callback: Any) -> None:
    """Call `callback()` after any transaction that added outbox rows commits."""
    _listeners.add(callback)


def remove_on_commit(callback: Any) -> None:
    """Stop calling `callback` after commits."""
    _listeners.discard(callback)


@sa_event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        for callback in list(_listeners):
            callback()


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_DIRTY, None)


class RelayMarker(SQLModel, table=True):
    """The record a relay last left on the broker; if it is gone, the broker lost its data."""

    __tablename__ = "relay_marker"

    relay: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    partition: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    offset: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    nonce: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    written_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
