"""Scorecard changes applied a batch at a time give exactly what one event at a time gives."""

import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from contracts.base import Event
from contracts.feedback import RatingSubmitted
from contracts.plans import InspectionStarted, UnitChanged, UnitRegistered
from contracts.visits import VisitStarted
from reporting.handlers import HANDLERS
from reporting.models import FIGURES, UnitScore
from servicekit.db import create_engine, create_sessionmaker
from tests.conftest import DatabaseFactory

AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]
# Role, level and parent role: two provinces, districts under the first, communes under those.
TREE = (
    ("north", "province", None),
    ("south", "province", None),
    ("district_a", "district", "north"),
    ("district_b", "district", "north"),
    ("commune_a1", "commune", "district_a"),
    ("commune_a2", "commune", "district_a"),
    ("commune_b1", "commune", "district_b"),
    ("ward_b2", "commune", "district_b"),
)
# 1 July 2025: the districts go; commune_a1 moves to the other province, district_b with it.
MOVES = (("commune_a1", "south"), ("district_b", "south"))
Step = tuple[str, str, Any]


@pytest.fixture
async def sessions(database: DatabaseFactory) -> AsyncIterator[Sessions]:
    engine = create_engine(await database("reporting"))
    yield create_sessionmaker(engine)
    await engine.dispose()


def plan(seed: int) -> list[Step]:
    """Return what happens, by unit role, in one delivery order `seed` picks."""
    rng = random.Random(seed)
    steps: list[Step] = [("registered", role, None) for role, _, _ in TREE]
    steps += [("moved", role, parent) for role, parent in MOVES]
    roles = [role for role, _, _ in TREE]
    for n in range(60):
        role = rng.choice(roles)
        kind = rng.choice(("visit", "visit", "rating", "official", "inspection"))
        steps.append((kind, role, 1 + n % 5 if kind in ("rating", "official") else n % 7))
    rng.shuffle(steps)
    # A unit's registry events share its partition: its registration always comes first.
    for role, parent in MOVES:
        first = steps.index(("registered", role, None))
        then = steps.index(("moved", role, parent))
        if then < first:
            steps[first], steps[then] = steps[then], steps[first]
    return steps


def events(steps: list[Step]) -> tuple[dict[str, uuid.UUID], list[Event]]:
    """Return fresh unit ids by role and the events of `steps` at those units."""
    ids = {role: uuid.uuid4() for role, _, _ in TREE}
    parents = {role: parent for role, _, parent in TREE}
    levels = {role: level for role, level, _ in TREE}
    inspections: dict[int, uuid.UUID] = {}
    made: list[Event] = []
    for kind, role, arg in steps:
        unit_id = ids[role]
        if kind in ("registered", "moved"):
            parent = parents[role] if kind == "registered" else arg
            fields = {"unit_id": unit_id, "code": role, "name": role, "level": levels[role]}
            fields["parent_id"] = ids[parent] if parent else None
            if kind == "registered":
                made.append(UnitRegistered(**fields, registered_at=AT))
            else:
                made.append(UnitChanged(**fields, changed_at=AT))
        elif kind == "visit":
            made.append(VisitStarted(visit_id=uuid.uuid4(), unit_id=unit_id, started_at=AT))
        elif kind == "inspection":
            # Several visits may carry out one inspection: the same id comes again.
            made.append(
                InspectionStarted(
                    inspection_id=inspections.setdefault(arg, uuid.uuid4()),
                    plan_id=uuid.uuid4(),
                    kind="periodic",
                    target_unit_id=unit_id,
                    window_start=AT,
                    window_end=AT,
                    team_id=uuid.uuid4(),
                    visit_id=uuid.uuid4(),
                    started_at=AT,
                )
            )
        else:
            rater = "official" if kind == "official" else "citizen"
            made.append(
                RatingSubmitted(
                    rating_id=uuid.uuid4(), unit_id=unit_id, score=arg, submitted_at=AT, rater=rater
                )
            )
    return ids, made


async def deliver(sessions: Sessions, batch: list[Event]) -> None:
    """Apply `batch` in one transaction, as the consumer applies a partition's batch."""
    async with sessions() as session, session.begin():
        for event in batch:
            await HANDLERS[type(event)](session, event)


async def apply(sessions: Sessions, steps: list[Step], batch_size: int) -> dict[str, Any]:
    """Apply the steps' events `batch_size` at a time; return every unit's row by role."""
    ids, made = events(steps)
    for first in range(0, len(made), batch_size):
        await deliver(sessions, made[first : first + batch_size])
    roles = {unit_id: role for role, unit_id in ids.items()}
    async with sessions() as session:
        scores = await session.scalars(
            select(UnitScore).where(col(UnitScore.unit_id).in_(list(ids.values())))
        )
        return {
            roles[s.unit_id]: s.model_dump(exclude={"unit_id", "updated_at"})
            | {"parent_id": roles.get(s.parent_id) if s.parent_id else None}
            for s in scores
        }


def own_counts(steps: list[Step]) -> dict[str, Counter[str]]:
    """Return each role's own figures as the steps add them up."""
    own: dict[str, Counter[str]] = {role: Counter() for role, _, _ in TREE}
    inspections: set[int] = set()
    for kind, role, arg in steps:
        if kind == "visit":
            own[role]["visits_started"] += 1
        elif kind == "inspection" and arg not in inspections:
            inspections.add(arg)
            own[role]["inspections_started"] += 1
        elif kind == "rating":
            own[role]["ratings_count"] += 1
            own[role]["ratings_score_sum"] += arg
        elif kind == "official":
            own[role]["official_ratings_count"] += 1
            own[role]["official_ratings_score_sum"] += arg
    return own


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_batch_gives_what_one_event_at_a_time_gives(sessions: Sessions, seed: int) -> None:
    steps = plan(seed)
    alone = await apply(sessions, steps, batch_size=1)
    # All at once, and in uneven batches that split what one unit and its parents get.
    assert await apply(sessions, steps, batch_size=len(steps)) == alone
    assert await apply(sessions, steps, batch_size=7) == alone

    assert set(alone) == {role for role, _, _ in TREE}
    moved = dict(MOVES)
    for role, level, parent in TREE:
        assert alone[role]["code"] == role
        assert alone[role]["level"] == level
        assert alone[role]["parent_id"] == moved.get(role, parent)
    for role, own in own_counts(steps).items():
        assert {f: alone[role][f] for f in FIGURES} == {f: own[f] for f in FIGURES}
    # Every total is the unit's own figure plus the totals of the units now beneath it.
    for role in alone:
        children = [r for r, row in alone.items() if row["parent_id"] == role]
        for figure in FIGURES:
            beneath = sum(alone[c][f"total_{figure}"] for c in children)
            assert alone[role][f"total_{figure}"] == alone[role][figure] + beneath, (role, figure)


async def test_figures_before_the_registry_make_rows_the_registry_then_fills(
    sessions: Sessions,
) -> None:
    # One batch: a commune's visit before any registration, then the commune, then its province.
    steps: list[Step] = [
        ("visit", "commune_a1", 0),
        ("visit", "district_a", 0),
        ("registered", "commune_a1", None),
        ("visit", "commune_a1", 0),
        ("registered", "district_a", None),
        ("registered", "north", None),
        ("visit", "commune_a1", 0),
    ]
    together = await apply(sessions, steps, batch_size=len(steps))
    assert together == await apply(sessions, steps, batch_size=1)
    assert set(together) == {"commune_a1", "district_a", "north"}
    assert [together[r]["total_visits_started"] for r in ("commune_a1", "district_a", "north")] == [
        3,
        4,
        4,
    ]
    assert together["district_a"]["visits_started"] == 1
    assert together["district_a"]["parent_id"] == "north"
