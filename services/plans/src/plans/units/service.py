"""Domain logic of the plans service: the unit registry."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from contracts import StaffingRecorded, UnitChanged, UnitRegistered
from plans.errors import StaffingNotRecorded, UnitCodeTaken, UnitNotFound
from plans.events import publish
from plans.models import Unit, UnitStaffing
from plans.units.schemas import Staffing, StaffingRead, UnitCreate, UnitUpdate
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import SortOrder, page_by_id
from servicekit.text import fold
from servicekit.times import utcnow

SORTABLE = {"code": Unit.code, "name": Unit.name, "created_at": Unit.created_at}


def registered_event(unit: Unit) -> UnitRegistered:
    """Return the event announcing a new unit."""
    return UnitRegistered(
        unit_id=unit.id,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        parent_id=unit.parent_id,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        registered_at=unit.created_at,
    )


def changed_event(unit: Unit) -> UnitChanged:
    """Return the event announcing a unit's new registry entry."""
    return UnitChanged(
        unit_id=unit.id,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        parent_id=unit.parent_id,
        successor_id=unit.successor_id,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        changed_at=unit.updated_at or utcnow(),
    )


async def _check_links(session: AsyncSession, unit_id: uuid.UUID | None, data: Any) -> None:
    for field in ("parent_id", "successor_id"):
        target = getattr(data, field, None)
        if target is None:
            continue
        if target == unit_id:
            raise Invalid.field(["body", field], "A unit cannot point at itself.")
        if await session.get(Unit, target) is None:
            raise Invalid.field(["body", field], "No unit has this id.")
    if (
        data.valid_to is not None
        and data.valid_from is not None
        and data.valid_to < data.valid_from
    ):
        raise Invalid.field(["body", "valid_to"], "valid_to is before valid_from.")


async def register_unit(session: AsyncSession, *, data: UnitCreate) -> Unit:
    """Add a unit to the registry and announce it."""
    if await session.scalar(select(Unit.id).where(col(Unit.code) == data.code)) is not None:
        raise UnitCodeTaken(f"A unit with code {data.code!r} is already registered.")
    await _check_links(session, None, data)
    unit = Unit(**data.model_dump(), name_search=fold(data.name), created_at=utcnow())
    session.add(unit)
    publish(session, registered_event(unit))
    return unit


async def update_unit(session: AsyncSession, *, unit: Unit, data: UnitUpdate) -> Unit:
    """Change a unit's registry entry (rename, move, close, merge) and announce it."""
    changes = data.model_dump(exclude_unset=True)
    # Links as given, dates as they will be once the change applies.
    after = UnitUpdate(
        parent_id=changes.get("parent_id"),
        successor_id=changes.get("successor_id"),
        valid_from=changes.get("valid_from", unit.valid_from),
        valid_to=changes.get("valid_to", unit.valid_to),
    )
    await _check_links(session, unit.id, after)
    if changes.get("parent_id") is not None and changes["parent_id"] in await _descendants(
        session, unit.id
    ):
        raise Invalid.field(["body", "parent_id"], "A unit cannot move beneath itself.")
    for field, value in changes.items():
        setattr(unit, field, value)
    if "name" in changes and changes["name"] is not None:
        unit.name_search = fold(unit.name)
    unit.updated_at = utcnow()
    publish(session, changed_event(unit))
    return unit


async def get_staffing(session: AsyncSession, *, unit: Unit) -> StaffingRead:
    """Return the unit's staff on roll."""
    rows = (
        await session.scalars(select(UnitStaffing).where(col(UnitStaffing.unit_id) == unit.id))
    ).all()
    if not rows:
        raise StaffingNotRecorded(f"No staff on roll has been recorded for unit {unit.id}.")
    on_roll = {row.category: row.on_roll for row in rows}
    return StaffingRead.model_validate(
        {
            "unit_id": unit.id,
            "as_of": rows[0].as_of,
            "on_roll": on_roll,
            "total": sum(on_roll.values()),
        }
    )


async def record_staffing(session: AsyncSession, *, unit: Unit, data: Staffing) -> StaffingRead:
    """Replace the unit's staff on roll and announce it."""
    await session.execute(delete(UnitStaffing).where(col(UnitStaffing.unit_id) == unit.id))
    now = utcnow()
    for category, count in data.on_roll.items():
        session.add(
            UnitStaffing(
                unit_id=unit.id, category=category, on_roll=count, as_of=data.as_of, updated_at=now
            )
        )
    publish(
        session,
        StaffingRecorded(unit_id=unit.id, as_of=data.as_of, on_roll=data.on_roll, recorded_at=now),
    )
    return StaffingRead(
        unit_id=unit.id, as_of=data.as_of, on_roll=data.on_roll, total=sum(data.on_roll.values())
    )


async def _subtree(session: AsyncSession, root: Any) -> set[uuid.UUID]:
    """Return the ids of the units matching `root` and of every unit beneath them."""
    start = select(Unit.id).where(root).cte("subtree", recursive=True)
    tree = start.union(select(Unit.id).join(start, col(Unit.parent_id) == start.c.id))
    return set((await session.scalars(select(tree.c.id))).all())


async def _descendants(session: AsyncSession, unit_id: uuid.UUID) -> set[uuid.UUID]:
    return await _subtree(session, col(Unit.id) == unit_id)


async def units_within(session: AsyncSession, roots: list[uuid.UUID]) -> set[uuid.UUID]:
    """Return the ids of `roots` and of every unit beneath them."""
    return await _subtree(session, col(Unit.id).in_(roots))


async def unit_scope(session: AsyncSession, *, code: str | None) -> set[uuid.UUID]:
    """Return the ids of the unit with official `code` and of every unit beneath it."""
    if code is None:
        return set()
    return await _subtree(session, col(Unit.code) == code)


async def get_unit(session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity) -> Unit:
    """Return one unit the caller may see."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise UnitNotFound(f"No unit has id {unit_id}.")
    if caller.unit_scoped and unit.id not in await unit_scope(session, code=caller.unit_code):
        # Not found rather than forbidden: a unit role learns nothing outside its unit.
        raise UnitNotFound(f"No unit has id {unit_id}.")
    return unit


async def list_units(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    level: str | None = None,
    parent_id: uuid.UUID | None = None,
    code: str | None = None,
    q: str | None = None,
    within: uuid.UUID | None = None,
    sort: str | None = None,
    caller: Identity,
) -> tuple[list[Unit], str | None]:
    """Return a page of the units the caller may see, and the cursor of the next page."""
    query = select(Unit)
    if caller.unit_scoped:
        query = query.where(col(Unit.id).in_(await unit_scope(session, code=caller.unit_code)))
    if within is not None:
        query = query.where(col(Unit.id).in_(await _descendants(session, within) - {within}))
    if level is not None:
        query = query.where(col(Unit.level) == level)
    if parent_id is not None:
        query = query.where(col(Unit.parent_id) == parent_id)
    if code is not None:
        query = query.where(col(Unit.code) == code)
    if q:
        pattern = fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(Unit.name_search).like(f"%{pattern}%", escape="\\"))
    order = SortOrder.of(sort, SORTABLE) if sort else None
    return await page_by_id(
        session, query, id_column=Unit.id, limit=limit, cursor=cursor, sort=order
    )
