"""Events reporting consumes, all idempotent through the inbox."""

import functools
import operator
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from contracts.audit import AuditRecorded
from contracts.feedback import RatingSubmitted
from contracts.plans import InspectionStarted, UnitChanged, UnitRegistered
from contracts.visits import VisitStarted
from eventbus.bus import Subscription
from eventbus.consumer import Handlers, deferred
from reporting.models import FIGURES, AuditEntry, StartedInspection, UnitScore
from servicekit.times import utcnow

SCORES = UnitScore.metadata.tables["unit_scores"]
TOTALS = {figure: f"total_{figure}" for figure in FIGURES}
COUNTERS = (*FIGURES, *TOTALS.values())
DETAILS = ("code", "name", "level", "parent_id")
# Bound parameter names of the UPDATE: what is added to each counter, what each detail is set to.
ADD = {counter: f"add_{counter}" for counter in COUNTERS}
SET = {detail: f"set_{detail}" for detail in DETAILS}
in_key_order = operator.attrgetter("int")


@dataclass(frozen=True, slots=True)
class _Counted:
    """Counts at a unit: added to its own figures, its totals and the totals above it."""

    unit_id: uuid.UUID
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Placed:
    """A unit's registry details as last announced, its parent included."""

    unit_id: uuid.UUID
    code: str
    name: str
    level: str
    parent_id: uuid.UUID | None


def _chain(unit_ids: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Select the parent and totals of the units `unit_ids` picks and of every unit above."""
    chain = sa.select(SCORES.c.unit_id).where(unit_ids).cte("chain", recursive=True)
    chain = chain.union(
        sa.select(SCORES.c.parent_id)
        .join(chain, SCORES.c.unit_id == chain.c.unit_id)
        .where(SCORES.c.parent_id.is_not(None))
    )
    return (
        sa.select(SCORES.c.unit_id, SCORES.c.parent_id, *(SCORES.c[t] for t in TOTALS.values()))
        .where(SCORES.c.unit_id.in_(sa.select(chain.c.unit_id)))
        .order_by(SCORES.c.unit_id)
        .with_for_update()
    )


# PostgreSQL takes the ids as one array, so one prepared statement serves every batch.
CHAIN = {
    "postgresql": _chain(
        SCORES.c.unit_id == sa.any_(sa.bindparam("unit_ids", type_=ARRAY(SCORES.c.unit_id.type)))
    ),
    "sqlite": _chain(SCORES.c.unit_id.in_(sa.bindparam("unit_ids", expanding=True))),
}


@functools.cache
def _update(dialect: str, added: tuple[str, ...], placed: bool) -> sa.Update:
    """Return the UPDATE that adds to the counters `added` (and sets the details if `placed`)."""
    names = ("changed_unit_id", *(ADD[c] for c in added), *(SET[d] for d in DETAILS if placed))
    if dialect == "postgresql":
        # One statement over arrays, a column each, instead of a statement per row.
        types = [SCORES.c.unit_id.type, *(SCORES.c[c].type for c in added)]
        types += [SCORES.c[d].type for d in DETAILS if placed]
        arrays = (sa.bindparam(n, type_=ARRAY(t)) for n, t in zip(names, types, strict=True))
        rows: Any = sa.func.unnest(*arrays).table_valued(*names).render_derived("changed")
        given = {name: rows.c[name] for name in names}
    else:
        given = {name: sa.bindparam(name) for name in names}
    # Added to, not overwritten: the sums stay right even where rows read are not locked.
    values: dict[Any, Any] = {SCORES.c[c]: SCORES.c[c] + given[ADD[c]] for c in added}
    values.update({SCORES.c[d]: given[SET[d]] for d in DETAILS if placed})
    values[SCORES.c.updated_at] = sa.bindparam("set_updated_at")
    return SCORES.update().where(SCORES.c.unit_id == given["changed_unit_id"]).values(values)


def _locked(session: Session, unit_ids: set[uuid.UUID]) -> dict[uuid.UUID, sa.Row[Any]]:
    """Return the rows of `unit_ids` and every unit above them, locked for this transaction."""
    # Locked in one statement, in key order: members consuming other partitions update the
    # same units (a province's row takes every count beneath it) without deadlocking.
    dialect = session.get_bind().dialect.name
    rows: dict[uuid.UUID, sa.Row[Any]] = {}
    wanted, asked = unit_ids, set()
    while wanted:
        asked |= wanted
        found = session.execute(CHAIN[dialect], {"unit_ids": [*wanted]})
        rows.update((row.unit_id, row) for row in found)
        # A parent missing here has no row yet, or became a parent after the chain was read.
        wanted = {
            parent_id
            for row in rows.values()
            if (parent_id := row.parent_id) is not None
            and parent_id not in rows
            and parent_id not in asked
        }
    return rows


class _Scores:
    """What a transaction's steps add to each scorecard row, worked out on the rows read."""

    def __init__(self, loaded: dict[uuid.UUID, sa.Row[Any]]) -> None:
        self.loaded = loaded
        self.parents = {unit_id: row.parent_id for unit_id, row in loaded.items()}
        # Every row touched, with what the steps add to each of its counters.
        self.added: dict[uuid.UUID, dict[str, int]] = {}
        self.placed: dict[uuid.UUID, _Placed] = {}

    def touch(self, unit_id: uuid.UUID) -> dict[str, int]:
        """Return what is added to the unit's counters so far; a unit with no row gets one."""
        added = self.added.get(unit_id)
        if added is None:
            # Events of one unit travel on several topics: whichever comes first makes the row.
            added = self.added[unit_id] = {}
        return added

    def count(self, unit_id: uuid.UUID, counts: dict[str, int]) -> None:
        """Add `counts` to the unit's own figures, its totals and the totals of every unit above."""
        added = self.touch(unit_id)
        for figure, count in counts.items():
            added[figure] = added.get(figure, 0) + count
            total = TOTALS[figure]
            added[total] = added.get(total, 0) + count
        self.add_above(unit_id, self.parents.get(unit_id), counts)

    def add_above(
        self, unit_id: uuid.UUID, parent_id: uuid.UUID | None, counts: dict[str, int]
    ) -> None:
        """Add `counts` (of `unit_id`'s unit) to the totals of `parent_id` and every unit above."""
        # A cycle in the registry would be a bug there; here it only ends the walk.
        seen = {unit_id}
        while parent_id is not None and parent_id not in seen:
            seen.add(parent_id)
            # A parent reporting has not heard of yet gets a row that holds its totals until its
            # registration arrives (and, if it has a parent itself, carries them up).
            added = self.touch(parent_id)
            for figure, count in counts.items():
                total = TOTALS[figure]
                added[total] = added.get(total, 0) + count
            parent_id = self.parents.get(parent_id)

    def place(self, placed: _Placed) -> None:
        """Copy the unit's details; if it moved, move its totals from its old parents to the new."""
        added = self.touch(placed.unit_id)
        self.placed[placed.unit_id] = placed
        parent_id = self.parents.get(placed.unit_id)
        if placed.parent_id == parent_id:
            return
        row = self.loaded.get(placed.unit_id)
        totals = {
            figure: (getattr(row, TOTALS[figure]) if row else 0) + added.get(TOTALS[figure], 0)
            for figure in FIGURES
        }
        if any(totals.values()):
            self.add_above(placed.unit_id, parent_id, {f: -n for f, n in totals.items()})
            self.add_above(placed.unit_id, placed.parent_id, totals)
        self.parents[placed.unit_id] = placed.parent_id

    def save(self, session: Session) -> None:
        """Insert the rows made; update the others, those placed apart, one statement each."""
        now = utcnow()
        made: list[dict[str, Any]] = []
        changed: dict[bool, list[uuid.UUID]] = {False: [], True: []}
        for unit_id in sorted(self.added, key=in_key_order):
            placed = self.placed.get(unit_id)
            if unit_id in self.loaded:
                changed[placed is not None].append(unit_id)
                continue
            made.append(
                {
                    "unit_id": unit_id,
                    "code": placed and placed.code,
                    "name": placed and placed.name,
                    "level": placed and placed.level,
                    "parent_id": self.parents.get(unit_id),
                    **dict.fromkeys(COUNTERS, 0),
                    **self.added[unit_id],
                    "updated_at": now,
                }
            )
        if made:
            session.execute(SCORES.insert(), made)
        dialect = session.get_bind().dialect.name
        for placed_too, unit_ids in changed.items():
            if not unit_ids:
                continue
            # Every counter any of the rows changes, so one statement updates them all.
            counters = tuple(sorted({c for u in unit_ids for c, n in self.added[u].items() if n}))
            rows = [self._changes(unit_id, counters) for unit_id in unit_ids]
            update = _update(dialect, counters, placed_too)
            if dialect == "postgresql":
                columns = {name: [row[name] for row in rows] for name in rows[0]}
                session.execute(update, columns | {"set_updated_at": now})
            else:
                session.execute(update, [row | {"set_updated_at": now} for row in rows])

    def _changes(self, unit_id: uuid.UUID, counters: tuple[str, ...]) -> dict[str, Any]:
        """Return the UPDATE's parameters for the unit: what it adds, and its new details."""
        added = self.added[unit_id]
        params: dict[str, Any] = {"changed_unit_id": unit_id}
        for counter in counters:
            params[ADD[counter]] = added.get(counter, 0)
        if (placed := self.placed.get(unit_id)) is not None:
            params[SET["code"]], params[SET["name"]] = placed.code, placed.name
            params[SET["level"]], params[SET["parent_id"]] = placed.level, placed.parent_id
        return params


class _ScoreChanges:
    """A transaction's scorecard changes, applied in order to the rows they touch at commit."""

    def __init__(self) -> None:
        self.steps: list[_Counted | _Placed] = []

    def write(self, session: Session) -> None:
        """Lock the rows touched and the rows above them, apply every step, write them back."""
        if not self.steps:
            return
        unit_ids = {step.unit_id for step in self.steps}
        unit_ids.update(
            step.parent_id
            for step in self.steps
            if isinstance(step, _Placed) and step.parent_id is not None
        )
        scores = _Scores(_locked(session, unit_ids))
        for step in self.steps:
            if isinstance(step, _Counted):
                scores.count(step.unit_id, step.counts)
            else:
                scores.place(step)
        self.steps.clear()
        scores.save(session)


def _count(session: AsyncSession, unit_id: uuid.UUID, **counts: int) -> None:
    deferred(session, _ScoreChanges).steps.append(_Counted(unit_id, counts))


async def on_unit(session: AsyncSession, event: UnitRegistered | UnitChanged) -> None:
    """Keep the scorecard's registry details current; a unit that moved takes its figures along."""
    # A closed or merged unit keeps its figures and its place: its successor does not take them.
    deferred(session, _ScoreChanges).steps.append(
        _Placed(event.unit_id, event.code, event.name, event.level, event.parent_id)
    )


async def on_visit_started(session: AsyncSession, event: VisitStarted) -> None:
    """Count a visit at the unit."""
    _count(session, event.unit_id, visits_started=1)


async def on_inspection_started(session: AsyncSession, event: InspectionStarted) -> None:
    """Count a planned inspection at its target once it has started (never while sealed)."""
    # Each inspection counts once, however many visits carry it out.
    if await session.get(StartedInspection, event.inspection_id) is not None:
        return
    session.add(
        StartedInspection(
            inspection_id=event.inspection_id,
            unit_id=event.target_unit_id,
            started_at=event.started_at,
        )
    )
    _count(session, event.target_unit_id, inspections_started=1)


async def on_rating_submitted(session: AsyncSession, event: RatingSubmitted) -> None:
    """Count a rating of the unit: citizens' and officials' apart."""
    if event.rater == "official":
        _count(
            session, event.unit_id, official_ratings_count=1, official_ratings_score_sum=event.score
        )
    else:
        _count(session, event.unit_id, ratings_count=1, ratings_score_sum=event.score)


async def on_audit_recorded(session: AsyncSession, event: AuditRecorded) -> None:
    """Append the action to the audit trail."""
    session.add(AuditEntry(**event.model_dump()))


HANDLERS: Handlers = {
    UnitRegistered: on_unit,
    UnitChanged: on_unit,
    VisitStarted: on_visit_started,
    InspectionStarted: on_inspection_started,
    RatingSubmitted: on_rating_submitted,
    AuditRecorded: on_audit_recorded,
}

SUBSCRIPTIONS = (Subscription(name="reporting.scorecards", handlers=HANDLERS),)
