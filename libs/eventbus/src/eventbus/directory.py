"""The unit registry as the plans service announces it, for services that name units.

Citizen feedback and visits keep this copy to know which units exist, whether they have
closed, and which province each lies in (`DIRECTORY`, for `servicekit.tenancy`).
"""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col, select

from contracts import UnitChanged, UnitRegistered
from eventbus.consumer import Handlers
from eventbus.envelope import Envelope
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


async def on_unit(session: AsyncSession, event: UnitRegistered | UnitChanged, _: Envelope) -> None:
    """Keep the unit's entry in the directory as the registry last announced it."""
    unit = await session.get(DirectoryUnit, event.unit_id, with_for_update=True)
    if unit is None:
        unit = DirectoryUnit(id=event.unit_id, code=event.code, updated_at=utcnow())
        session.add(unit)
    unit.code, unit.parent_id, unit.valid_to = event.code, event.parent_id, event.valid_to
    unit.updated_at = utcnow()


HANDLERS: Handlers = {UnitRegistered: on_unit, UnitChanged: on_unit}
