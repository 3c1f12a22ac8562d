"""Domain logic of the plans service."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from contracts import UnitRegistered
from eventbus import outbox
from plans.errors import UnitCodeTaken, UnitNotFound
from plans.models import Unit
from plans.schemas import UnitCreate
from servicekit.access import Forbidden, Identity
from servicekit.errors import Invalid
from servicekit.pagination import SortOrder, page_by_id
from servicekit.times import utcnow

SOURCE = "/congvu/plans"
SORTABLE = {"code": Unit.code, "name": Unit.name, "created_at": Unit.created_at}


async def register_unit(session: AsyncSession, *, data: UnitCreate) -> Unit:
    """Add a unit to the registry and announce it."""
    if await session.scalar(select(Unit.id).where(col(Unit.code) == data.code)) is not None:
        raise UnitCodeTaken(f"A unit with code {data.code!r} is already registered.")
    if data.parent_id is not None and await session.get(Unit, data.parent_id) is None:
        raise Invalid.field(["body", "parent_id"], "No unit has this id.")
    if (
        data.valid_to is not None
        and data.valid_from is not None
        and data.valid_to < data.valid_from
    ):
        raise Invalid.field(["body", "valid_to"], "valid_to is before valid_from.")
    unit = Unit(**data.model_dump(), created_at=utcnow())
    session.add(unit)
    outbox.add(
        session,
        UnitRegistered(
            unit_id=unit.id,
            code=unit.code,
            name=unit.name,
            level=data.level,
            parent_id=unit.parent_id,
            valid_from=unit.valid_from,
            registered_at=unit.created_at,
        ),
        source=SOURCE,
    )
    return unit


async def unit_scope(session: AsyncSession, *, code: str | None) -> set[uuid.UUID]:
    """Return the ids of the unit with official `code` and of every unit beneath it."""
    if code is None:
        return set()
    root = select(Unit.id).where(col(Unit.code) == code).cte("scope", recursive=True)
    tree = root.union(select(Unit.id).join(root, col(Unit.parent_id) == root.c.id))
    return set((await session.scalars(select(tree.c.id))).all())


async def get_unit(session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity) -> Unit:
    """Return one unit the caller may see."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise UnitNotFound(f"No unit has id {unit_id}.")
    if caller.unit_scoped and unit.id not in await unit_scope(session, code=caller.unit_code):
        raise Forbidden("This unit is outside your unit.")
    return unit


async def list_units(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    level: str | None = None,
    parent_id: uuid.UUID | None = None,
    code: str | None = None,
    sort: str | None = None,
    caller: Identity,
) -> tuple[list[Unit], str | None]:
    """Return a page of the units the caller may see, and the cursor of the next page."""
    query = select(Unit)
    if caller.unit_scoped:
        query = query.where(col(Unit.id).in_(await unit_scope(session, code=caller.unit_code)))
    if level is not None:
        query = query.where(col(Unit.level) == level)
    if parent_id is not None:
        query = query.where(col(Unit.parent_id) == parent_id)
    if code is not None:
        query = query.where(col(Unit.code) == code)
    order = SortOrder.of(sort, SORTABLE) if sort else None
    return await page_by_id(
        session, query, id_column=Unit.id, limit=limit, cursor=cursor, sort=order
    )
