"""Province tenancy of visits: another province's people find nothing of HOME's visits."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_visit_body
from tests.support.identity import AWAY_CODE, AWAY_ID, HOME_ID, as_

VISITS = "/api/v1/visits/visits"
ENGLISH = {"Accept-Language": "en"}
UNKNOWN_UNIT = [{"loc": ["body", "unit_id"], "msg": "No registered unit has this id."}]


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


async def commune_of(visits: AppClient, province_id: uuid.UUID) -> str:
    """Announce a district of the province and a commune beneath it; return the commune's id."""
    district = await announce_unit(
        visits.app, code=f"D{uuid.uuid4().hex[:8]}", parent_id=province_id
    )
    commune = await announce_unit(visits.app, code=f"C{uuid.uuid4().hex[:8]}", parent_id=district)
    return str(commune)


async def start(visits: AppClient, unit_id: str, auth: httpx.Auth) -> httpx.Response:
    return await visits.post(VISITS, json=create_visit_body(unit_id), headers=ENGLISH, auth=auth)


def unknown_unit(response: httpx.Response) -> bool:
    """Tell whether the visit was refused as naming a unit nobody registered."""
    return response.status_code == 422 and response.json()["errors"] == UNKNOWN_UNIT


async def test_another_provinces_team_cannot_start_a_visit_in_home(visits: AppClient) -> None:
    home_commune = await commune_of(visits, HOME_ID)
    away_commune = await commune_of(visits, AWAY_ID)
    for role in (Role.TEAM_LEADER, Role.INSPECTOR):
        away = as_(role, AWAY_CODE)
        # Outside its province a unit answers exactly as one nobody registered.
        assert unknown_unit(await start(visits, home_commune, away)), role
        assert unknown_unit(await start(visits, str(uuid.uuid4()), away)), role
        # Within its own province the same team starts visits as ever.
        assert (await start(visits, away_commune, away)).status_code == 201, role
    # HOME's own team starts one at HOME's commune.
    assert (await start(visits, home_commune, as_(Role.INSPECTOR))).status_code == 201


async def test_a_team_whose_unit_is_not_in_the_directory_starts_nothing(
    visits: AppClient,
) -> None:
    home_commune = await commune_of(visits, HOME_ID)
    stranger = as_(Role.TEAM_LEADER, f"X{uuid.uuid4().hex[:8]}")
    assert unknown_unit(await start(visits, home_commune, stranger))


async def test_another_province_reads_none_of_homes_visits(visits: AppClient) -> None:
    home_commune = await commune_of(visits, HOME_ID)
    started = await start(visits, home_commune, as_(Role.TEAM_LEADER))
    assert started.status_code == 201, started.text
    location = started.headers["location"]
    for role in (Role.ADMIN, Role.INSPECTORATE, Role.TEAM_LEADER, Role.INSPECTOR):
        read = await visits.get(location, auth=as_(role, AWAY_CODE))
        assert read.status_code == 404, role
        assert read.headers["content-type"] == "application/problem+json"
        # HOME's own people of the same role read it.
        assert (await visits.get(location, auth=as_(role))).json() == started.json(), role
    stranger = as_(Role.INSPECTORATE, f"X{uuid.uuid4().hex[:8]}")
    assert (await visits.get(location, auth=stranger)).status_code == 404


async def test_the_ministry_reads_every_provinces_visits(visits: AppClient) -> None:
    found = []
    for province_id, code in ((HOME_ID, None), (AWAY_ID, AWAY_CODE)):
        commune = await commune_of(visits, province_id)
        started = await start(visits, commune, as_(Role.INSPECTOR, code))
        assert started.status_code == 201, started.text
        found.append(started.json())
    national = as_(Role.NATIONAL)
    for visit in found:
        read = await visits.get(f"{VISITS}/{visit['id']}", auth=national)
        assert (read.status_code, read.json()) == (200, visit)
