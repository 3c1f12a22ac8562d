"""Tables of the plans service."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from uuid6 import uuid7

from servicekit.sqltypes import UTCDateTime


class UnitStaffing(SQLModel, table=True):
    """People on a unit's roll in one category, as of a date."""

    __tablename__ = "unit_staffing"

    unit_id: uuid.UUID = Field(foreign_key="units.id", primary_key=True)
    category: str = Field(sa_column=sa.Column(sa.String(30), primary_key=True))
    on_roll: int
    as_of: date
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class Unit(SQLModel, table=True):
    """An organisation unit: province, commune/ward, pre-2025 district, agency or office."""

    __tablename__ = "units"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    code: str = Field(sa_column=sa.Column(sa.String(50), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    # The name without diacritics, lower-cased: what search matches ("ha long").
    name_search: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, index=True))
    level: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    kind: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), nullable=True))
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    successor_id: uuid.UUID | None = Field(default=None, foreign_key="units.id")
    valid_from: date | None = None
    valid_to: date | None = None
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
