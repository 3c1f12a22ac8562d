"""The unit registry as the plans service announces it, for services that name units.

Citizen feedback and visits keep this copy to know which units exist, whether they have
closed, and which province each lies in (`DIRECTORY`, for `servicekit.tenancy`).
"""

import operator
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col, select

from contracts.plans import UnitChanged, UnitRegistered
from eventbus.consumer import Handlers, deferred
from servicekit.access import Identity
from servicekit.sqltypes import UTCDateTime
from servicekit.tenancy import UnitTree
from servicekit.times import utcnow


class DirectoryUnit(SQLModel, table=True):
    """A registry unit as the plans service last announced it."""

    __tablename__ = "unit_directory"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(sa_column=sa.Column(sa.String(50), nullable=False, index=True))
    # No foreign key: a unit's event may arrive before its parent's.
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    valid_to: date | None = None
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


DIRECTORY = UnitTree(col(DirectoryUnit.id), col(DirectoryUnit.parent_id), col(DirectoryUnit.code))


async def reaches(session: AsyncSession, caller: Identity, unit_id: uuid.UUID) -> bool:
    """Tell whether `unit_id` is a unit the registry announced, within the caller's reach."""
    found = await session.scalar(
        select(DirectoryUnit.id).where(
            col(DirectoryUnit.id) == unit_id, DIRECTORY.within(caller, col(DirectoryUnit.id))
        )
    )
    return found is not None


UNITS = DirectoryUnit.metadata.tables["unit_directory"]


def _upsert(statement: postgresql.Insert | sqlite.Insert) -> sa.Insert:
    """Return `statement` (an INSERT of entries) updating the entry a unit already has."""
    changed = ("code", "parent_id", "valid_to", "updated_at")
    return statement.on_conflict_do_update(
        index_elements=[UNITS.c.id], set_={name: statement.excluded[name] for name in changed}
    )


UPSERT = {
    "postgresql": _upsert(postgresql.insert(UNITS)),
    "sqlite": _upsert(sqlite.insert(UNITS)),
}


class _Announced:
    """The entries a transaction's registry events announced, written in one statement."""

    def __init__(self) -> None:
        self.units: dict[uuid.UUID, dict[str, Any]] = {}

    def write(self, session: Session) -> None:
        """Insert or update every entry, in key order (members may announce the same units)."""
        if not self.units:
            return
        now = utcnow()
        ordered = sorted(self.units, key=operator.attrgetter("int"))
        rows = [self.units[unit_id] | {"updated_at": now} for unit_id in ordered]
        self.units.clear()
        session.execute(UPSERT[session.get_bind().dialect.name], rows)


async def on_unit(session: AsyncSession, event: UnitRegistered | UnitChanged) -> None:
    """Keep the unit's entry in the directory as the registry last announced it."""
    # A unit's events keep their order on its partition: the last one of a batch holds.
    deferred(session, _Announced).units[event.unit_id] = {
        "id": event.unit_id,
        "code": event.code,
        "parent_id": event.parent_id,
        "valid_to": event.valid_to,
    }


HANDLERS: Handlers = {UnitRegistered: on_unit, UnitChanged: on_unit}
