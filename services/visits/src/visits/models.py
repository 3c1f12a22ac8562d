"""Tables of the visits service: the visit record, and what it knows of the plans service."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from eventbus.directory import DirectoryUnit  # noqa: F401 - the units visits take place at
from servicekit.sqltypes import UTCDateTime


def _subject(*, nullable: bool = False) -> Any:
    """Return a column for a sign-in subject (`sub`)."""
    return sa.Column(sa.String(255), nullable=nullable)


def _time(*, nullable: bool = False) -> Any:
    return sa.Column(UTCDateTime, nullable=nullable)


_VISIT_VERSION = sa.Column("version", sa.Integer, nullable=False, server_default="1")


class Visit(SQLModel, table=True):
    """An on-site visit of an inspection team to a unit: started, recorded, then sealed."""

    __tablename__ = "visits"
    # Every change to the record bumps the visit's version: two racing writes give a 409.
    __mapper_args__ = {"version_id_col": _VISIT_VERSION}

    # Field devices create visits offline, so the client may choose the id.
    id: uuid.UUID = Field(primary_key=True)
    version: int = Field(default=1, sa_column=_VISIT_VERSION)
    unit_id: uuid.UUID = Field(index=True)
    started_at: datetime = Field(sa_column=_time())
    surprise: bool = False
    inspection_id: uuid.UUID | None = Field(default=None, index=True)
    # The team whose members record the visit; None for an ad hoc visit its starter records.
    team_id: uuid.UUID | None = Field(default=None, index=True)
    started_by: str | None = Field(default=None, sa_column=_subject(nullable=True))
    justification: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    checklist_id: uuid.UUID | None = None
    checklist_version: int | None = None
    status: str = Field(default="started", sa_column=sa.Column(sa.String(20), nullable=False))
    no_access_reason: str | None = Field(default=None, sa_column=sa.Column(sa.String(30)))
    no_access_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    no_access_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    submitted_by: str | None = Field(default=None, sa_column=_subject(nullable=True))
    submitted_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # SHA-256 of the sealed record (`visits.sealing`), set when the record is sealed.
    digest: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    created_at: datetime = Field(sa_column=_time())
    updated_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class AttendanceRecord(SQLModel, table=True):
    """An office's headcount by staff category, as the team counted it."""

    __tablename__ = "visit_attendance"
    # One record per office of a visit, however its name was typed.
    __table_args__ = (sa.UniqueConstraint("visit_id", "office_key"),)

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    version: int
    office_name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    office_key: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    office_unit_id: uuid.UUID | None = None
    observed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # {category: Headcount as JSON}
    headcounts: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    recorded_by: str = Field(sa_column=_subject())
    recorded_at: datetime = Field(sa_column=_time())
    updated_at: datetime = Field(sa_column=_time())


class ChecklistResult(SQLModel, table=True):
    """The result of one criterion of the checklist version the visit follows."""

    __tablename__ = "visit_results"
    __table_args__ = (sa.UniqueConstraint("visit_id", "criterion_code"),)

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    version: int
    criterion_code: str = Field(sa_column=sa.Column(sa.String(30), nullable=False))
    outcome: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    recorded_by: str = Field(sa_column=_subject())
    recorded_at: datetime = Field(sa_column=_time())
    updated_at: datetime = Field(sa_column=_time())


class Violation(SQLModel, table=True):
    """A violation found on a visit; the person it names, if any, is kept apart."""

    __tablename__ = "visit_violations"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    version: int
    unit_id: uuid.UUID = Field(index=True)
    category_code: str = Field(sa_column=sa.Column(sa.String(30), nullable=False, index=True))
    criterion_code: str | None = Field(default=None, sa_column=sa.Column(sa.String(30)))
    severity: str = Field(sa_column=sa.Column(sa.String(30), nullable=False))
    description: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    observed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Whom it names, folded for matching repeats (`violations.service.person_key`).
    person_key: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), index=True))
    # Ids (as text) of the earlier violations this one repeats.
    repeat_of: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    recorded_by: str = Field(sa_column=_subject())
    recorded_at: datetime = Field(sa_column=_time())
    updated_at: datetime = Field(sa_column=_time())


class ViolationPerson(SQLModel, table=True):
    """The person a violation names: personal data, read only by those who need it."""

    __tablename__ = "visit_violation_people"

    violation_id: uuid.UUID = Field(foreign_key="visit_violations.id", primary_key=True)
    full_name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    position: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))


class Amendment(SQLModel, table=True):
    """A correction of a sealed record, kept beside the original (which never changes)."""

    __tablename__ = "visit_amendments"

    id: uuid.UUID = Field(primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    version: int
    target: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    target_id: uuid.UUID
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # {field: {"before": ..., "after": ...}}
    changes: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    # The corrected record in full, as it reads after this amendment.
    corrected: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    amended_by: str = Field(sa_column=_subject())
    amended_at: datetime = Field(sa_column=_time())
    digest: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class DirectoryInspection(SQLModel, table=True):
    """A scheduled inspection as the plans service announced it (a sealed one without target)."""

    __tablename__ = "inspection_directory"

    id: uuid.UUID = Field(primary_key=True)
    plan_id: uuid.UUID
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    team_id: uuid.UUID = Field(index=True)
    # None until InspectionScheduled arrives (InspectionStarted does not carry it).
    checklist_id: uuid.UUID | None = None
    checklist_version: int | None = None
    sealed: bool
    status: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    target_unit_id: uuid.UUID | None = None
    window_start: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    window_end: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    started_visit_id: uuid.UUID | None = None
    updated_at: datetime = Field(sa_column=_time())


class DirectoryTeam(SQLModel, table=True):
    """An inspection team as the plans service last announced it."""

    __tablename__ = "team_directory"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    valid_from: date
    valid_to: date | None = None
    # When plans announced the version held here: an older announcement is not applied.
    announced_at: datetime = Field(sa_column=_time())
    updated_at: datetime = Field(sa_column=_time())


class DirectoryTeamMember(SQLModel, table=True):
    """A person on a team, by the `sub` of their sign-in token (names stay with plans)."""

    __tablename__ = "team_member_directory"

    team_id: uuid.UUID = Field(foreign_key="team_directory.id", primary_key=True)
    subject: str = Field(sa_column=sa.Column(sa.String(255), primary_key=True, index=True))
    role: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))


class DirectoryChecklist(SQLModel, table=True):
    """A published checklist version: its categories and weighted criteria, never changed."""

    __tablename__ = "checklist_directory"

    checklist_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    categories: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    published_at: datetime = Field(sa_column=_time())


class DirectoryStaffing(SQLModel, table=True):
    """People on a unit's roll in one category, as the plans service last recorded it."""

    __tablename__ = "staffing_directory"

    unit_id: uuid.UUID = Field(primary_key=True)
    category: str = Field(sa_column=sa.Column(sa.String(30), primary_key=True))
    on_roll: int
    as_of: date
    recorded_at: datetime = Field(sa_column=_time())
