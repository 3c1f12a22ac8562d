"""Tables of the citizen-feedback service."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from uuid6 import uuid7

from eventbus.directory import DirectoryUnit  # noqa: F401 - the units ratings may name
from servicekit.sqltypes import UTCDateTime


class Rating(SQLModel, table=True):
    """A satisfaction rating of the service a unit gave: a citizen's, or an official's."""

    __tablename__ = "ratings"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    unit_id: uuid.UUID = Field(index=True)
    score: int
    service: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), nullable=True))
    dossier_code: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(100), nullable=True)
    )
    comment: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    submitted_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    # citizen, kiosk (a provincial system, for a citizen) or official: see RatingSubmitted.
    rater: str = Field(
        default="citizen",
        sa_column=sa.Column(sa.String(20), nullable=False, server_default="citizen"),
    )
