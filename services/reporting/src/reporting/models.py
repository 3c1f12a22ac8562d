"""Read models of the reporting service, built only from events."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from servicekit.sqltypes import UTCDateTime


class UnitScore(SQLModel, table=True):
    """What reporting knows about one unit: registry details and activity counts."""

    __tablename__ = "unit_scores"

    unit_id: uuid.UUID = Field(primary_key=True)
    code: str | None = Field(default=None, sa_column=sa.Column(sa.String(50), nullable=True))
    name: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), nullable=True))
    level: str | None = Field(default=None, sa_column=sa.Column(sa.String(20), nullable=True))
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    visits_started: int = 0
    ratings_count: int = 0
    ratings_score_sum: int = 0
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
