"""The registry as `servicekit.tenancy` walks it: which units, teams and plans a caller reaches."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from plans.models import Unit
from servicekit.access import Identity
from servicekit.tenancy import UnitTree, home_province

TREE = UnitTree(col(Unit.id), col(Unit.parent_id), col(Unit.code))


async def home(session: AsyncSession, caller: Identity) -> uuid.UUID:
    """Return the id of the province the caller acts for (a team, a plan is that province's)."""
    return await home_province(session, TREE, caller)
