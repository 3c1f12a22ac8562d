"""Domain logic of the plans service: the unit registry."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from contracts.plans import StaffingRecorded, UnitChanged, UnitRegistered
from eventbus import outbox
from plans.errors import (
    ProvinceKeptNationally,
    StaffingNotRecorded,
    SubUnitsOutside,
    UnitCodeTaken,
    UnitNotFound,
    UnitStillScheduled,
)
from plans.models import Inspection, Unit, UnitStaffing
from plans.teams.service import covers
from plans.tenancy import TREE
from plans.units import rules
from plans.units.schemas import Staffing, StaffingRead, UnitCreate, UnitUpdate
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import SortKey, page_by_id
from servicekit.tenancy import reaches_all
from servicekit.text import fold
from servicekit.times import utcnow

UNKNOWN_UNIT = "No unit has this id."
UNKNOWN_UNIT_VI = "Không có đơn vị nào có mã định danh này."


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
        successor_ids=unit.successors,
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
        successor_ids=unit.successors,
    )


@dataclass(frozen=True)
class Entry:
    """A unit's registry entry as it will be once a registration or a change applies."""

    level: str
    kind: str | None
    parent_id: uuid.UUID | None
    successors: list[uuid.UUID]
    valid_from: date | None
    valid_to: date | None


async def reachable(
    session: AsyncSession, caller: Identity, unit_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Return those of `unit_ids` that are registered and within the caller's reach."""
    found = await session.scalars(
        select(Unit.id).where(col(Unit.id).in_(unit_ids), in_scope_of(caller))
    )
    return set(found.all())


async def _check_parent(
    session: AsyncSession,
    unit_id: uuid.UUID | None,
    entry: Entry,
    given: set[str],
    caller: Identity,
) -> None:
    """Refuse a parent that is missing, beneath the unit, of a lower level or valid for less."""
    loc: list[str | int] = ["body", "parent_id"]
    if entry.parent_id is None:
        # A unit at the top of the registry is a province: the Ministry registers those.
        if not reaches_all(caller) and "parent_id" in given:
            raise Invalid.field(
                loc,
                "A unit you register lies within your province: name the unit it sits"
                " beneath. Provinces are registered by the Ministry.",
                vi="Đơn vị đăng ký phải thuộc tỉnh của bạn: hãy chọn đơn vị cấp trên."
                " Đơn vị cấp tỉnh do Bộ Nội vụ đăng ký.",
            )
        return
    if entry.parent_id == unit_id:
        raise Invalid.field(
            loc,
            "A unit cannot point at itself.",
            vi="Đơn vị không thể là đơn vị cấp trên của chính nó.",
        )
    parent = await session.scalar(
        select(Unit).where(col(Unit.id) == entry.parent_id, in_scope_of(caller))
    )
    if parent is None:
        raise Invalid.field(loc, UNKNOWN_UNIT, vi=UNKNOWN_UNIT_VI)
    if "parent_id" in given:
        if unit_id is not None and parent.id in await _descendants(session, unit_id):
            raise Invalid.field(
                loc,
                "A unit cannot move beneath itself.",
                vi="Không thể chuyển đơn vị về trực thuộc chính nó hay một đơn vị cấp dưới của nó.",
            )
        if not rules.parent_fits(entry.level, parent.level):
            levels = ", ".join(sorted(rules.PARENT_LEVELS[entry.level]))
            raise Invalid.field(
                loc,
                f"A unit of level {entry.level} sits beneath: {levels or 'no unit'}; not beneath"
                f" a unit of level {parent.level}.",
                vi=f"Đơn vị cấp {entry.level} chỉ trực thuộc đơn vị cấp: {levels}; không trực"
                f" thuộc đơn vị cấp {parent.level}."
                if levels
                else f"Đơn vị cấp {entry.level} không trực thuộc đơn vị nào; không trực thuộc"
                f" đơn vị cấp {parent.level}.",
            )
    starts, ends = rules.within(
        entry.valid_from, entry.valid_to, parent.valid_from, parent.valid_to
    )
    if not (starts and ends):
        field = "parent_id" if "parent_id" in given else "valid_to" if starts else "valid_from"
        raise Invalid.field(
            ["body", field],
            f"The parent unit is valid from {rules.period(parent.valid_from, parent.valid_to)}"
            " only: a unit beneath it is valid within that time.",
            vi="Đơn vị cấp trên chỉ có hiệu lực"
            f" {rules.period_vi(parent.valid_from, parent.valid_to)}: đơn vị trực thuộc phải có"
            " hiệu lực trong khoảng thời gian đó.",
        )


async def _later_successors(session: AsyncSession, start: list[uuid.UUID]) -> set[uuid.UUID]:
    """Return `start` and every unit that succeeded them, directly or through others."""
    seen: set[uuid.UUID] = set()
    frontier = set(start)
    while frontier:
        seen |= frontier
        rows = await session.scalars(select(Unit.successor_ids).where(col(Unit.id).in_(frontier)))
        frontier = {uuid.UUID(s) for ids in rows for s in ids} - seen
    return seen


async def _check_successors(
    session: AsyncSession,
    unit_id: uuid.UUID | None,
    entry: Entry,
    given: set[str],
    caller: Identity,
) -> None:
    """Refuse successors of an open unit, unknown ones, and any that lead back to the unit."""
    named = given & {"successor_id", "successor_ids"}
    if not entry.successors or not (named or "valid_to" in given):
        return
    field = "successor_id" if "successor_id" in given else "successor_ids"

    def loc(index: int) -> list[str | int]:
        return ["body", field] if field == "successor_id" else ["body", field, index]

    if entry.valid_to is None:
        if not named:
            raise Invalid.field(
                ["body", "valid_to"],
                "A unit with successors is closed; give successor_ids [] to reopen it.",
                vi="Đơn vị có đơn vị kế thừa là đơn vị đã đóng; hãy gửi successor_ids [] để mở lại"
                " đơn vị.",
            )
        raise Invalid.field(
            ["body", field],
            "Only a closed unit (valid_to) has successors.",
            vi="Chỉ đơn vị đã đóng (có valid_to) mới có đơn vị kế thừa.",
        )
    if not named:
        return
    known = await reachable(session, caller, entry.successors)
    for index, successor in enumerate(entry.successors):
        if successor == unit_id:
            raise Invalid.field(
                loc(index),
                "A unit cannot succeed itself.",
                vi="Đơn vị không thể là đơn vị kế thừa của chính nó.",
            )
        if successor not in known:
            raise Invalid.field(loc(index), UNKNOWN_UNIT, vi=UNKNOWN_UNIT_VI)
    if unit_id is None or unit_id not in await _later_successors(session, entry.successors):
        return
    for index, successor in enumerate(entry.successors):
        if unit_id in await _later_successors(session, [successor]):
            raise Invalid.field(
                loc(index),
                "This unit already took over from the unit being changed, directly or through"
                " others: successors cannot go round in a circle.",
                vi="Đơn vị này đã kế thừa đơn vị đang được sửa, trực tiếp hoặc qua đơn vị khác:"
                " quan hệ kế thừa không được khép thành vòng.",
            )


async def _check_entry(
    session: AsyncSession,
    unit_id: uuid.UUID | None,
    entry: Entry,
    given: set[str],
    caller: Identity,
) -> None:
    """Refuse an entry the registry would contradict; `given` names the fields sent."""
    if (
        entry.valid_to is not None
        and entry.valid_from is not None
        and entry.valid_to < entry.valid_from
    ):
        if "valid_to" in given:
            raise Invalid.field(
                ["body", "valid_to"],
                "valid_to is before valid_from.",
                vi="valid_to sớm hơn valid_from.",
            )
        raise Invalid.field(
            ["body", "valid_from"],
            f"The unit ceased on {entry.valid_to}.",
            vi=f"Đơn vị đã chấm dứt hoạt động ngày {entry.valid_to}.",
        )
    if "kind" in given and not rules.kind_fits(entry.level, entry.kind):
        kinds = ", ".join(sorted(rules.KINDS_AT_LEVEL[entry.level]))
        raise Invalid.field(
            ["body", "kind"],
            f"A unit of level {entry.level} is of kind {kinds}; not {entry.kind}.",
            vi=f"Đơn vị cấp {entry.level} thuộc một trong các loại {kinds}; không thuộc loại"
            f" {entry.kind}.",
        )
    if given & {"parent_id", "valid_from", "valid_to"}:
        await _check_parent(session, unit_id, entry, given, caller)
    await _check_successors(session, unit_id, entry, given, caller)


async def _check_fit(session: AsyncSession, unit: Unit, entry: Entry) -> None:
    """Refuse new dates that would leave sub-units or scheduled inspections outside them."""
    children = await session.scalars(select(Unit).where(col(Unit.parent_id) == unit.id))
    outside = [
        child.code
        for child in children
        if not all(rules.within(child.valid_from, child.valid_to, entry.valid_from, entry.valid_to))
    ]
    period = rules.period(entry.valid_from, entry.valid_to)
    period_vi = rules.period_vi(entry.valid_from, entry.valid_to)
    if outside:
        codes = ", ".join(sorted(outside)[:20])
        raise SubUnitsOutside(
            f"{len(outside)} unit(s) beneath this one would be valid outside {period}"
            f" ({codes}): change their dates first.",
            vi=f"{len(outside)} đơn vị trực thuộc đơn vị này sẽ có hiệu lực ngoài thời gian"
            f" {period_vi} ({codes}): hãy sửa thời gian hiệu lực của các đơn vị đó trước.",
        )
    scheduled = await session.scalars(
        select(Inspection)
        .where(col(Inspection.target_unit_id) == unit.id, col(Inspection.status) == "scheduled")
        .order_by(col(Inspection.window_start))
    )
    late = [
        str(i.id)
        for i in scheduled
        if not covers(entry.valid_from or date.min, entry.valid_to, i.window_start, i.window_end)
    ]
    if late:
        listed = ", ".join(late)
        raise UnitStillScheduled(
            f"Inspection(s) {listed} of this unit stay scheduled outside {period}:"
            " reschedule or cancel them first.",
            vi=f"Các cuộc kiểm tra {listed} tại đơn vị này vẫn được lên lịch ngoài thời gian"
            f" {period_vi}: hãy dời lịch hoặc hủy các cuộc kiểm tra đó trước.",
        )


async def register_unit(session: AsyncSession, *, data: UnitCreate, caller: Identity) -> Unit:
    """Add a unit to the registry and announce it."""
    if await session.scalar(select(Unit.id).where(col(Unit.code) == data.code)) is not None:
        raise UnitCodeTaken(
            f"A unit with code {data.code!r} is already registered.",
            vi=f"Đã có đơn vị được đăng ký với mã {data.code!r}.",
        )
    successors = list(dict.fromkeys(data.successor_ids))
    entry = Entry(data.level, data.kind, data.parent_id, successors, data.valid_from, data.valid_to)
    # Everything about a new unit is checked, whether the body gave it or not.
    await _check_entry(session, None, entry, set(UnitCreate.model_fields), caller)
    unit = Unit(
        **data.model_dump(exclude={"successor_ids"}),
        successor_ids=[str(s) for s in successors],
        name_search=fold(data.name),
        created_at=utcnow(),
    )
    session.add(unit)
    outbox.add(session, registered_event(unit))
    return unit


def _successors_after(unit: Unit, changes: dict[str, Any]) -> list[uuid.UUID]:
    """Return the successors a change leaves: `successor_id` names one (null: none)."""
    if "successor_id" in changes and "successor_ids" in changes:
        raise Invalid.field(
            ["body", "successor_ids"],
            "Give successor_id or successor_ids, not both.",
            vi="Chỉ gửi successor_id hoặc successor_ids, không gửi cả hai.",
        )
    if "successor_id" in changes:
        successor = changes.pop("successor_id")
        return [] if successor is None else [successor]
    if "successor_ids" in changes:
        return list(dict.fromkeys(changes.pop("successor_ids")))
    return unit.successors


async def update_unit(
    session: AsyncSession, *, unit: Unit, data: UnitUpdate, caller: Identity
) -> Unit:
    """Change a unit's registry entry (rename, move, close, merge, split) and announce it."""
    if unit.parent_id is None and not reaches_all(caller):
        # A province's people keep the units within it; the province itself is the Ministry's.
        raise ProvinceKeptNationally(
            f"Unit {unit.code} is a province: the Ministry keeps its registry entry.",
            vi=f"Đơn vị {unit.code} là cấp tỉnh: thông tin của đơn vị này do Bộ Nội vụ quản lý.",
        )
    changes = data.model_dump(exclude_unset=True)
    successors = _successors_after(unit, changes)
    entry = Entry(
        unit.level,
        changes.get("kind", unit.kind),
        changes.get("parent_id", unit.parent_id),
        successors,
        changes.get("valid_from", unit.valid_from),
        changes.get("valid_to", unit.valid_to),
    )
    await _check_entry(session, unit.id, entry, set(data.model_fields_set), caller)
    if (entry.valid_from, entry.valid_to) != (unit.valid_from, unit.valid_to):
        await _check_fit(session, unit, entry)
    for field, value in changes.items():
        setattr(unit, field, value)
    unit.successor_ids = [str(s) for s in successors]
    if "name" in changes and changes["name"] is not None:
        unit.name_search = fold(unit.name)
    unit.updated_at = utcnow()
    outbox.add(session, changed_event(unit))
    return unit


async def get_staffing(session: AsyncSession, *, unit: Unit) -> StaffingRead:
    """Return the unit's staff on roll."""
    rows = (
        await session.scalars(select(UnitStaffing).where(col(UnitStaffing.unit_id) == unit.id))
    ).all()
    if not rows:
        raise StaffingNotRecorded(
            f"No staff on roll has been recorded for unit {unit.id}.",
            vi=f"Chưa ghi nhận biên chế của đơn vị {unit.id}.",
        )
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
    outbox.add(
        session,
        StaffingRecorded(unit_id=unit.id, as_of=data.as_of, on_roll=data.on_roll, recorded_at=now),
    )
    return StaffingRead(
        unit_id=unit.id, as_of=data.as_of, on_roll=data.on_roll, total=sum(data.on_roll.values())
    )


def _subtree_ids(root: Any) -> Select[uuid.UUID]:
    """Return a query for the ids of the units matching `root` and of every unit beneath them."""
    start = select(Unit.id).where(root).cte("subtree", recursive=True)
    tree = start.union(select(Unit.id).join(start, col(Unit.parent_id) == start.c.id))
    return select(tree.c.id)


async def _subtree(session: AsyncSession, root: Any) -> set[uuid.UUID]:
    """Return the ids of the units matching `root` and of every unit beneath them."""
    return set((await session.scalars(_subtree_ids(root))).all())


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


def in_scope_of(caller: Identity) -> Any:
    """Return the condition selecting the units the caller reaches, for the same query."""
    return TREE.within(caller, col(Unit.id))


def _territory(unit: Unit, units: dict[uuid.UUID, Unit]) -> str | None:
    """Return the level of the nearest province, district or commune above `unit` in `units`."""
    at = units.get(unit.parent_id) if unit.parent_id else None
    while at is not None and at.level not in rules.TERRITORIAL:
        at = units.get(at.parent_id) if at.parent_id else None
    return at.level if at is not None else None


def _of_category(category: str, valid: list[Unit], units: dict[uuid.UUID, Unit]) -> list[Unit]:
    if category in rules.CATEGORY_KINDS:
        return [u for u in valid if u.kind == rules.CATEGORY_KINDS[category]]
    if category == "provincial_departments":
        return [u for u in valid if u.kind == "department" and _territory(u, units) == "province"]
    level = rules.PEOPLES_COMMITTEES[category]
    # A district or commune stands for its People's Committee, unless the registry holds
    # the committee itself as a unit beneath it.
    committees = {
        u.parent_id: u
        for u in valid
        if u.kind == "peoples_committee"
        and u.parent_id in units
        and units[u.parent_id].level == level
    }
    return [committees.get(u.id, u) for u in valid if u.level == level]


async def units_of_categories(
    session: AsyncSession, *, scope_id: uuid.UUID, categories: list[str], year: int
) -> list[tuple[uuid.UUID, str]]:
    """Return the units of `categories` within `scope_id`'s subtree valid during `year`.

    Ordered by category as listed, then by official code; a unit comes once, under the
    first category it falls in.
    """
    tree = _subtree_ids(col(Unit.id) == scope_id)
    units = {u.id: u for u in await session.scalars(select(Unit).where(col(Unit.id).in_(tree)))}
    valid = [u for u in units.values() if rules.valid_during(u.valid_from, u.valid_to, year)]
    found: dict[uuid.UUID, str] = {}
    for category in categories:
        for unit in sorted(_of_category(category, valid, units), key=lambda u: u.code):
            found.setdefault(unit.id, category)
    return list(found.items())


# Built once: SQLAlchemy keeps a statement's cache key, so a read by id neither rebuilds
# the query nor walks it again to find its compiled form.
_UNIT_BY_ID = select(Unit).where(col(Unit.id) == bindparam("unit_id"))


async def get_unit(session: AsyncSession, *, unit_id: uuid.UUID, caller: Identity) -> Unit:
    """Return one unit the caller may see."""
    # One query whether the unit is missing or outside the caller's scope: a unit role
    # learns nothing outside its unit, not even from how long the 404 took.
    statement = _UNIT_BY_ID if reaches_all(caller) else _UNIT_BY_ID.where(in_scope_of(caller))
    unit = await session.scalar(statement, {"unit_id": unit_id})
    if unit is None:
        raise UnitNotFound(
            f"No unit has id {unit_id}.",
            vi=f"Không có đơn vị nào có mã định danh {unit_id}.",
        )
    return unit


class UnitSort(SortKey):
    """How the unit lists may be sorted: `field` ascending, `-field` descending."""

    CODE = "code", Unit.code
    CODE_DESC = "-code", Unit.code
    NAME = "name", Unit.name
    NAME_DESC = "-name", Unit.name
    CREATED_AT = "created_at", Unit.created_at
    CREATED_AT_DESC = "-created_at", Unit.created_at


async def list_units(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    level: str | None = None,
    kind: str | None = None,
    parent_id: uuid.UUID | None = None,
    code: str | None = None,
    q: str | None = None,
    within: uuid.UUID | None = None,
    sort: UnitSort | None = None,
    caller: Identity,
) -> tuple[list[Unit], str | None]:
    """Return a page of the units the caller may see, and the cursor of the next page."""
    query = select(Unit).where(in_scope_of(caller))
    if within is not None:
        query = query.where(col(Unit.id).in_(await _descendants(session, within) - {within}))
    if level is not None:
        query = query.where(col(Unit.level) == level)
    if kind is not None:
        query = query.where(col(Unit.kind) == kind)
    if parent_id is not None:
        query = query.where(col(Unit.parent_id) == parent_id)
    if code is not None:
        query = query.where(col(Unit.code) == code)
    if q:
        pattern = fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(Unit.name_search).like(f"%{pattern}%", escape="\\"))
    return await page_by_id(
        session, query, id_column=Unit.id, limit=limit, cursor=cursor, sort=sort
    )
