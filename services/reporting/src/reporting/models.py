"""Read models of the reporting service, built only from events."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from servicekit.sqltypes import UTCDateTime


class AuditEntry(SQLModel, table=True):
    """One audited action, from any service; append-only: nothing updates or deletes it."""

    __tablename__ = "audit_entries"

    entry_id: uuid.UUID = Field(primary_key=True)
    service: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    operation: str = Field(sa_column=sa.Column(sa.String(100), nullable=False, index=True))
    actor: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, index=True))
    role: str | None = Field(default=None, sa_column=sa.Column(sa.String(30), nullable=True))
    unit_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(50), nullable=True))
    client_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(100), nullable=True))
    resource: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    request_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(128), nullable=True))
    outcome: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    status: int | None = None
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))


class UnitScore(SQLModel, table=True):
    """What reporting knows about one unit: registry details and activity counts."""

    __tablename__ = "unit_scores"

    unit_id: uuid.UUID = Field(primary_key=True)
    code: str | None = Field(default=None, sa_column=sa.Column(sa.String(50), nullable=True))
    name: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), nullable=True))
    level: str | None = Field(default=None, sa_column=sa.Column(sa.String(20), nullable=True))
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    visits_started: int = 0
    # From inspection.started only: sealed (surprise) inspections stay out until they start.
    inspections_started: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )
    ratings_count: int = 0
    ratings_score_sum: int = 0
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
