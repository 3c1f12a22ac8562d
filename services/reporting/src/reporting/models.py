"""Read models of the reporting service, built only from events."""

import uuid
from datetime import datetime
from typing import Any

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
    # Repeated refusals of one caller and operation are one entry with their count.
    count: int = Field(
        default=1, sa_column=sa.Column(sa.Integer, nullable=False, server_default="1")
    )


def _counter() -> Any:
    return Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))


# The counts a scorecard keeps, each once for the unit alone and once (`total_`) for the unit
# and every unit beneath it.
FIGURES = (
    "visits_started",
    "inspections_started",
    "ratings_count",
    "ratings_score_sum",
    "official_ratings_count",
    "official_ratings_score_sum",
)


class UnitScore(SQLModel, table=True):
    """What reporting knows about one unit: registry details and activity counts."""

    # Each `total_` figure is the unit's own plus the `total_` figures of the units whose
    # parent it is. The handlers keep it so: a count at a unit is added to the unit and every
    # unit above it, and a unit that moves takes its totals, history included, from its old
    # parents to its new ones. So a province's figures are one row, and listings sort on them.
    __tablename__ = "unit_scores"

    unit_id: uuid.UUID = Field(primary_key=True)
    code: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(50), nullable=True, index=True)
    )
    name: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), nullable=True))
    level: str | None = Field(default=None, sa_column=sa.Column(sa.String(20), nullable=True))
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    visits_started: int = 0
    # From inspection.started only: sealed (surprise) inspections stay out until they start.
    inspections_started: int = _counter()
    # Citizens' ratings (directly or through a provincial system); officials' count apart.
    ratings_count: int = 0
    ratings_score_sum: int = 0
    official_ratings_count: int = _counter()
    official_ratings_score_sum: int = _counter()
    total_visits_started: int = _counter()
    total_inspections_started: int = _counter()
    total_ratings_count: int = _counter()
    total_ratings_score_sum: int = _counter()
    total_official_ratings_count: int = _counter()
    total_official_ratings_score_sum: int = _counter()
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class StartedInspection(SQLModel, table=True):
    """An inspection that has started, kept so that each counts once, at its target unit."""

    __tablename__ = "started_inspections"

    inspection_id: uuid.UUID = Field(primary_key=True)
    unit_id: uuid.UUID = Field(index=True)
    started_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
