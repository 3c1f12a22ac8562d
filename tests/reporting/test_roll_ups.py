"""A scorecard counts the unit and every unit beneath it, whatever order events come in."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.base import Event
from contracts.feedback import RatingSubmitted
from contracts.plans import InspectionStarted, UnitChanged, UnitRegistered
from contracts.visits import VisitStarted
from reporting.handlers import HANDLERS
from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.reporting import scorecard

AT = datetime(2021, 2, 23, 1, 30, tzinfo=UTC)


@pytest.fixture
async def reporting(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap=NO_BROKER)
    # The Ministry reads: these units are provinces of their own (and one moves between two).
    async with serve(app, Role.NATIONAL) as client:
        yield client


async def deliver(reporting: AppClient, *events: Event) -> None:
    """Hand reporting's own handlers the events in one transaction, as its consumer would."""
    async with reporting.app.state.sessionmaker() as session, session.begin():
        for event in events:
            await HANDLERS[type(event)](session, event)


def registered(unit_id: uuid.UUID, parent_id: uuid.UUID | None, level: Any) -> UnitRegistered:
    return UnitRegistered(
        unit_id=unit_id,
        code=f"T-{unit_id.hex[:8]}",
        name=f"Đơn vị {unit_id.hex[:4]}",
        level=level,
        parent_id=parent_id,
        registered_at=AT,
    )


def moved(unit: UnitRegistered, parent_id: uuid.UUID) -> UnitChanged:
    return UnitChanged(
        unit_id=unit.unit_id,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        parent_id=parent_id,
        changed_at=AT,
    )


def visit(unit_id: uuid.UUID) -> VisitStarted:
    return VisitStarted(visit_id=uuid.uuid4(), unit_id=unit_id, started_at=AT, surprise=True)


def started(inspection_id: uuid.UUID, unit_id: uuid.UUID) -> InspectionStarted:
    return InspectionStarted(
        inspection_id=inspection_id,
        plan_id=uuid.uuid4(),
        kind="surprise",
        target_unit_id=unit_id,
        window_start=AT,
        window_end=AT,
        team_id=uuid.uuid4(),
        visit_id=uuid.uuid4(),
        started_at=AT,
    )


def rating(unit_id: uuid.UUID, score: int, rater: Any = "citizen") -> RatingSubmitted:
    return RatingSubmitted(
        rating_id=uuid.uuid4(), unit_id=unit_id, score=score, submitted_at=AT, rater=rater
    )


def figures(card: dict[str, Any] | None) -> tuple[Any, ...]:
    """Return a card's inspections, visits, citizens' and officials' ratings and averages."""
    assert card is not None
    return tuple(
        card[k]
        for k in (
            "inspections_started",
            "visits_started",
            "ratings_count",
            "satisfaction_average",
            "official_ratings_count",
            "official_satisfaction_average",
        )
    )


async def shown(reporting: AppClient, unit: UnitRegistered) -> tuple[Any, ...]:
    """Return the figures reporting shows for the unit."""
    return figures(await scorecard(reporting, str(unit.unit_id)))


async def test_a_province_shows_its_districts_and_communes(reporting: AppClient) -> None:
    province = registered(uuid.uuid4(), None, "province")
    district = registered(uuid.uuid4(), province.unit_id, "district")
    commune = registered(uuid.uuid4(), district.unit_id, "commune")
    inspection = uuid.uuid4()
    await deliver(
        reporting,
        province,
        district,
        commune,
        # One inspection of the district, carried out by two visits: one there, one beneath.
        visit(district.unit_id),
        visit(commune.unit_id),
        started(inspection, district.unit_id),
        rating(commune.unit_id, 5),
        rating(commune.unit_id, 3, "kiosk"),
        rating(commune.unit_id, 1, "official"),
    )
    # Delivered again under another event id (a replay upstream): still one inspection.
    await deliver(reporting, started(inspection, district.unit_id))

    card = await scorecard(reporting, str(province.unit_id))
    assert figures(card) == (1, 2, 2, 4.0, 1, 1.0)
    assert card is not None
    assert figures(card["own"]) == (0, 0, 0, None, 0, None)
    card = await scorecard(reporting, str(district.unit_id))
    assert figures(card) == (1, 2, 2, 4.0, 1, 1.0)
    assert card is not None
    assert figures(card["own"]) == (1, 1, 0, None, 0, None)
    assert await shown(reporting, commune) == (0, 1, 2, 4.0, 1, 1.0)

    # Listings sort on the same figures they show (the Ministry also sees the test provinces
    # HOME and AWAY, which have none: only this province's units are compared).
    listed = await reporting.get("/api/v1/reporting/units", params={"sort": "visits_started"})
    ours = {str(unit.unit_id) for unit in (province, district, commune)}
    items = [c for c in listed.json()["items"] if c["unit_id"] in ours]
    assert [c["visits_started"] for c in items] == [1, 2, 2]
    assert items[0]["unit_id"] == str(commune.unit_id)


async def test_figures_that_arrive_before_the_registry_still_roll_up(
    reporting: AppClient,
) -> None:
    # Unit events travel keyed by unit, on several partitions: a child may come first.
    province = registered(uuid.uuid4(), None, "province")
    district = registered(uuid.uuid4(), province.unit_id, "district")
    commune = registered(uuid.uuid4(), district.unit_id, "commune")
    await deliver(reporting, visit(commune.unit_id), rating(commune.unit_id, 4))
    await deliver(reporting, commune)
    await deliver(reporting, visit(district.unit_id))
    await deliver(reporting, district)
    await deliver(reporting, province)
    assert await shown(reporting, province) == (0, 2, 1, 4.0, 0, None)
    card = await scorecard(reporting, str(district.unit_id))
    assert card is not None
    assert card["name"] == district.name
    assert card["parent_id"] == str(province.unit_id)
    assert figures(card) == (0, 2, 1, 4.0, 0, None)


async def test_a_unit_that_moves_takes_its_figures_to_its_new_parents(
    reporting: AppClient,
) -> None:
    old_province = registered(uuid.uuid4(), None, "province")
    new_province = registered(uuid.uuid4(), None, "province")
    old_district = registered(uuid.uuid4(), old_province.unit_id, "district")
    commune = registered(uuid.uuid4(), old_district.unit_id, "commune")
    await deliver(reporting, old_province, new_province, old_district, commune)
    await deliver(
        reporting,
        visit(commune.unit_id),
        started(uuid.uuid4(), commune.unit_id),
        rating(commune.unit_id, 2),
        visit(old_district.unit_id),
    )
    assert await shown(reporting, old_province) == (1, 2, 1, 2.0, 0, None)
    # 1 July 2025: the district level goes; the commune now answers to the province directly.
    await deliver(reporting, moved(commune, new_province.unit_id))
    assert await shown(reporting, new_province) == (1, 1, 1, 2.0, 0, None)
    assert await shown(reporting, old_district) == (0, 1, 0, None, 0, None)
    assert await shown(reporting, old_province) == (0, 1, 0, None, 0, None)
    # Counted after the move, a visit goes to the new parents only.
    await deliver(reporting, visit(commune.unit_id))
    assert (await shown(reporting, new_province))[1] == 2
    assert (await shown(reporting, old_province))[1] == 1
    children = await reporting.get(
        "/api/v1/reporting/units", params={"parent_id": str(new_province.unit_id)}
    )
    assert [c["unit_id"] for c in children.json()["items"]] == [str(commune.unit_id)]
