"""The evidence table: which files a visit holds, and what their content says of them."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from servicekit.sqltypes import UTCDateTime


class Evidence(SQLModel, table=True):
    """A file attached to a visit; the bytes are in the evidence store, under its SHA-256."""

    __tablename__ = "visit_evidence"
    # A visit holds a file once, however often the device sends it.
    __table_args__ = (sa.UniqueConstraint("visit_id", "sha256"),)

    # Time-ordered (UUIDv7): a visit's files list in the order they arrived.
    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    sha256: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    media_type: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    # When and where a photo was taken; for now only its EXIF says (the flags say so).
    captured_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    captured_at_from_exif: bool = False
    # EXIF gave no offset: the camera's clock was read as Vietnam's time.
    captured_offset_assumed: bool = False
    latitude: float | None = None
    longitude: float | None = None
    gps_from_exif: bool = False
    uploaded_by: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    uploaded_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
