"""Tables of the visits service."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from eventbus.directory import DirectoryUnit  # noqa: F401 - the units visits take place at
from servicekit.sqltypes import UTCDateTime


class Visit(SQLModel, table=True):
    """An on-site visit of an inspection team to a unit."""

    __tablename__ = "visits"

    # Field devices create visits offline, so the client may choose the id.
    id: uuid.UUID = Field(primary_key=True)
    unit_id: uuid.UUID = Field(index=True)
    started_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    surprise: bool = False
    inspection_id: uuid.UUID | None = Field(default=None, index=True)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    status: str = Field(default="started", sa_column=sa.Column(sa.String(20), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
