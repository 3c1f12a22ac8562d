"""Province tenancy of reports: another province's people find none of HOME's figures or trail."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from contracts.audit import AuditRecorded
from contracts.base import Event
from contracts.plans import UnitRegistered
from contracts.visits import VisitStarted
from reporting.handlers import HANDLERS
from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.identity import AWAY_CODE, AWAY_ID, HOME_CODE, HOME_ID, as_

AT = datetime(2021, 2, 23, 1, 30, tzinfo=UTC)
UNITS = "/api/v1/reporting/units"
AUDIT = "/api/v1/reporting/audit-entries"
PROVINCE_READERS = (Role.ADMIN, Role.INSPECTORATE)


@pytest.fixture
async def reporting(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


async def deliver(reporting: AppClient, *events: Event) -> None:
    """Hand reporting's own handlers the events in one transaction, as its consumer would."""
    async with reporting.app.state.sessionmaker() as session, session.begin():
        for event in events:
            await HANDLERS[type(event)](session, event)


async def unit_in(reporting: AppClient, parent_id: uuid.UUID, level: Any) -> UnitRegistered:
    """Register a unit beneath `parent_id` with reporting, with one visit there."""
    unit = UnitRegistered(
        unit_id=uuid.uuid4(),
        code=f"T-{uuid.uuid4().hex[:8]}",
        name="Đơn vị thử",
        level=level,
        parent_id=parent_id,
        registered_at=AT,
    )
    visit = VisitStarted(visit_id=uuid.uuid4(), unit_id=unit.unit_id, started_at=AT, surprise=True)
    await deliver(reporting, unit, visit)
    return unit


async def province_units(reporting: AppClient, province_id: uuid.UUID) -> set[str]:
    """Give the province a district and a commune beneath it; return their ids and its own."""
    district = await unit_in(reporting, province_id, "district")
    commune = await unit_in(reporting, district.unit_id, "commune")
    return {str(province_id), str(district.unit_id), str(commune.unit_id)}


async def listed(reporting: AppClient, auth: httpx.Auth, **params: str) -> set[str]:
    response = await reporting.get(UNITS, params={"limit": "500", **params}, auth=auth)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {card["unit_id"] for card in response.json()["items"]}


async def test_another_province_finds_none_of_homes_scorecards(reporting: AppClient) -> None:
    home = await province_units(reporting, HOME_ID)
    away = await province_units(reporting, AWAY_ID)
    for role in PROVINCE_READERS:
        outsider, insider = as_(role, AWAY_CODE), as_(role)
        for unit_id in home:
            read = await reporting.get(f"{UNITS}/{unit_id}", auth=outsider)
            # As if reporting had never heard of the unit.
            assert read.status_code == 404, (role, unit_id)
            assert read.headers["content-type"] == "application/problem+json"
            assert (await reporting.get(f"{UNITS}/{unit_id}", auth=insider)).status_code == 200
        assert await listed(reporting, outsider) == away, role
        assert await listed(reporting, outsider, parent_id=str(HOME_ID)) == set(), role
        assert await listed(reporting, insider) == home, role
    card = (await reporting.get(f"{UNITS}/{HOME_ID}", auth=as_(Role.INSPECTORATE))).json()
    assert card["visits_started"] == 2


async def test_a_caller_whose_unit_reporting_does_not_know_finds_nothing(
    reporting: AppClient,
) -> None:
    home = await province_units(reporting, HOME_ID)
    stranger = as_(Role.INSPECTORATE, f"X{uuid.uuid4().hex[:8]}")
    assert await listed(reporting, stranger) == set()
    for unit_id in home:
        assert (await reporting.get(f"{UNITS}/{unit_id}", auth=stranger)).status_code == 404


async def test_the_ministry_sees_every_provinces_scorecards(reporting: AppClient) -> None:
    home = await province_units(reporting, HOME_ID)
    away = await province_units(reporting, AWAY_ID)
    national = as_(Role.NATIONAL)
    assert await listed(reporting, national) == home | away
    for unit_id in home | away:
        assert (await reporting.get(f"{UNITS}/{unit_id}", auth=national)).status_code == 200


def entry(actor: str, role: Role, unit_code: str | None) -> AuditRecorded:
    return AuditRecorded(
        entry_id=uuid.uuid4(),
        service="plans",
        operation="plans.plans.create",
        actor=actor,
        role=role.value,
        unit_code=unit_code,
        client_id=None,
        resource=f"/api/v1/plans/plans/{uuid.uuid4()}",
        request_id=None,
        outcome="succeeded",
        status=None,
        at=AT,
    )


async def actors(reporting: AppClient, auth: httpx.Auth, **params: str) -> set[str]:
    """Return the actors of the audit entries the caller is shown."""
    response = await reporting.get(AUDIT, params={"limit": "500", **params}, auth=auth)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {item["actor"] for item in response.json()["items"]}


async def test_the_audit_trail_of_homes_people_is_homes(reporting: AppClient) -> None:
    district = await unit_in(reporting, HOME_ID, "district")
    await deliver(
        reporting,
        entry("home-admin", Role.ADMIN, HOME_CODE),
        # Staff of a unit beneath HOME are HOME's people too.
        entry("home-staff", Role.UNIT_STAFF, district.code),
        entry("away-admin", Role.ADMIN, AWAY_CODE),
        entry("citizen", Role.PUBLIC, None),
        entry("stranger", Role.ADMIN, f"X{uuid.uuid4().hex[:8]}"),
    )
    home, away = {"home-admin", "home-staff"}, {"away-admin"}
    assert await actors(reporting, as_(Role.INSPECTORATE)) == home
    assert await actors(reporting, as_(Role.INSPECTORATE, AWAY_CODE)) == away
    # Asking for one of HOME's people by name does not help another province either.
    by_name = await actors(reporting, as_(Role.INSPECTORATE, AWAY_CODE), actor="home-admin")
    assert by_name == set()
    assert await actors(reporting, as_(Role.INSPECTORATE), actor="home-admin") == {"home-admin"}
    # The Ministry sees the whole trail: citizens and units no registry knows included.
    assert await actors(reporting, as_(Role.NATIONAL)) == home | away | {"citizen", "stranger"}
    assert await actors(reporting, as_(Role.INSPECTORATE, "X-unknown")) == set()
