"""Tables of the plans service."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from uuid6 import uuid7

from servicekit.sqltypes import UTCDateTime


def row_version() -> sa.Column[int]:
    """Return a version column: an update of a row someone else changed first fails."""
    return sa.Column("row_version", sa.Integer, nullable=False, server_default="1")


class UnitStaffing(SQLModel, table=True):
    """People on a unit's roll in one category, as of a date."""

    __tablename__ = "unit_staffing"

    unit_id: uuid.UUID = Field(foreign_key="units.id", primary_key=True)
    category: str = Field(sa_column=sa.Column(sa.String(30), primary_key=True))
    on_roll: int
    as_of: date
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


_UNIT_VERSION = row_version()


class Unit(SQLModel, table=True):
    """An organisation unit: province, commune/ward, pre-2025 district, agency or office."""

    __tablename__ = "units"
    __mapper_args__ = {"version_id_col": _UNIT_VERSION}

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    row_version: int = Field(default=1, sa_column=_UNIT_VERSION)
    code: str = Field(sa_column=sa.Column(sa.String(50), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    # The name without diacritics, lower-cased: what search matches ("ha long").
    name_search: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, index=True))
    level: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    kind: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), nullable=True))
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    # Ids (as text) of the units that took over once this one closed, in the order given:
    # one after a merger, several after a split.
    successor_ids: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False, server_default="[]")
    )
    valid_from: date | None = None
    valid_to: date | None = None
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )

    @property
    def successors(self) -> list[uuid.UUID]:
        """Return the units that took over once this one closed."""
        return [uuid.UUID(s) for s in self.successor_ids]

    @property
    def successor_id(self) -> uuid.UUID | None:
        """Return the unit that took over, when exactly one did."""
        return uuid.UUID(self.successor_ids[0]) if len(self.successor_ids) == 1 else None


_TEAM_VERSION = row_version()


class Team(SQLModel, table=True):
    """An inspection team founded by a decision (quyết định thành lập đoàn kiểm tra)."""

    __tablename__ = "teams"
    __mapper_args__ = {"version_id_col": _TEAM_VERSION}

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    row_version: int = Field(default=1, sa_column=_TEAM_VERSION)
    # The province whose inspectorate founded the team (None: recorded before provinces
    # kept apart; only the Ministry sees those).
    province_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    decision_number: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    decision_date: date
    decision_issuer: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    valid_from: date
    valid_to: date | None = None
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )


class TeamMembership(SQLModel, table=True):
    """A person on a team; `subject` is the `sub` of their sign-in token."""

    __tablename__ = "team_members"

    team_id: uuid.UUID = Field(foreign_key="teams.id", primary_key=True)
    subject: str = Field(sa_column=sa.Column(sa.String(255), primary_key=True, index=True))
    full_name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    position: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    # Members keep the order the decision lists them in.
    rank: int


_CHECKLIST_VERSION = row_version()


class Checklist(SQLModel, table=True):
    """A checklist template; its content lives in immutable versions."""

    __tablename__ = "checklists"
    __mapper_args__ = {"version_id_col": _CHECKLIST_VERSION}

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    row_version: int = Field(default=1, sa_column=_CHECKLIST_VERSION)
    # The province that keeps the checklist; None for the Ministry's, which every province
    # may use and none may change.
    province_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    current_version: int
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class ChecklistVersion(SQLModel, table=True):
    """One published version of a checklist: categories and criteria, never changed."""

    __tablename__ = "checklist_versions"

    checklist_id: uuid.UUID = Field(foreign_key="checklists.id", primary_key=True)
    version: int = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    categories: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    published_by: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    published_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


_PLAN_VERSION = row_version()


class Plan(SQLModel, table=True):
    """An annual or ad hoc inspection plan (kế hoạch kiểm tra công vụ)."""

    __tablename__ = "inspection_plans"
    __mapper_args__ = {"version_id_col": _PLAN_VERSION}
    # One number per issuer and year in a province, whatever its case and spacing
    # (`rules.number_key`).
    __table_args__ = (
        sa.Index(
            "ix_inspection_plans_number_key", "province_id", "year", "number_key", unique=True
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    row_version: int = Field(default=1, sa_column=_PLAN_VERSION)
    # The province whose plan it is: the caller's when drafted (None: recorded before
    # provinces were kept apart; only the Ministry sees those).
    province_id: uuid.UUID | None = Field(default=None, foreign_key="units.id", index=True)
    number: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    issuer: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    issuer_unit_id: uuid.UUID | None = Field(default=None, foreign_key="units.id")
    number_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    year: int = Field(index=True)
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    objectives: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # What officials write on the plan: its legal basis (căn cứ), issue date and signer.
    legal_basis: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False, server_default="[]")
    )
    issued_on: date | None = None
    signer_position: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    signer_name: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    # Targets by category, resolved within the scope unit's subtree when the plan is approved.
    target_categories: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False, server_default="[]")
    )
    scope_unit_id: uuid.UUID | None = Field(default=None, foreign_key="units.id")
    status: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    created_by: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
    approved_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    approved_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    closed_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    closed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))


class PlanTarget(SQLModel, table=True):
    """A unit a plan covers (đối tượng kiểm tra): named, or found by category at approval."""

    __tablename__ = "plan_targets"

    plan_id: uuid.UUID = Field(foreign_key="inspection_plans.id", primary_key=True)
    unit_id: uuid.UUID = Field(foreign_key="units.id", primary_key=True, index=True)
    rank: int
    # None for a unit the plan names; the category for one the approval resolved.
    category: str | None = Field(default=None, sa_column=sa.Column(sa.String(40)))


_INSPECTION_VERSION = row_version()


class Inspection(SQLModel, table=True):
    """One scheduled inspection of a unit under a plan."""

    __tablename__ = "inspections"
    __mapper_args__ = {"version_id_col": _INSPECTION_VERSION}

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    row_version: int = Field(default=1, sa_column=_INSPECTION_VERSION)
    plan_id: uuid.UUID = Field(foreign_key="inspection_plans.id", index=True)
    series_id: uuid.UUID = Field(index=True)
    occurrence: int
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    target_unit_id: uuid.UUID = Field(foreign_key="units.id", index=True)
    window_start: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
    window_end: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    team_id: uuid.UUID = Field(foreign_key="teams.id", index=True)
    checklist_id: uuid.UUID = Field(foreign_key="checklists.id")
    checklist_version: int
    topic: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    status: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    # True for a surprise inspection until its visit starts: who may see it depends on this.
    sealed: bool = Field(index=True)
    history: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    visit_id: uuid.UUID | None = None
    started_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # When the visit's record was submitted and sealed, and the digest it was sealed under.
    recorded_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    record_digest: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    created_by: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, nullable=True)
    )
