"""What the inspected unit sees: its own unit's sealed records, never a sealed inspection's visit.

A surprise inspection stays sealed until the plans service accepts a visit as its start
(InspectionStarted): until then its visits answer its unit's people, and inspectors off the
team, exactly as visits that do not exist.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_attendance_body, create_visit_body
from tests.support.queries import statements
from tests.visits.known import Planned, handle, person, plan, started

VISITS = "/api/v1/visits/visits"


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app)


async def submitted_visit(visits: AppClient, planned: Planned, body: dict[str, Any]) -> str:
    response = await visits.post(VISITS, json=body, auth=planned.leader)
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    path = f"{VISITS}/{visit_id}"
    recorded = await visits.put(
        f"{path}/attendance-records/{uuid.uuid4()}",
        json=create_attendance_body(),
        auth=planned.leader,
    )
    assert recorded.status_code == 201, recorded.text
    response = await visits.post(
        f"{path}/submission", headers={"If-Match": "*"}, auth=planned.leader
    )
    assert response.status_code == 200, response.text
    return visit_id


async def sees(visits: AppClient, auth: httpx.Auth, visit_id: str, **params: str) -> bool:
    """Tell whether the caller finds the visit, by id and in the list (filtered by `params`)."""
    one = await visits.get(f"{VISITS}/{visit_id}", auth=auth)
    listed = await visits.get(VISITS, params=params, auth=auth)
    assert listed.status_code == 200, listed.text
    in_list = visit_id in {item["id"] for item in listed.json()["items"]}
    assert (one.status_code == 200) == in_list, (one.status_code, in_list)
    if one.status_code != 200:
        assert one.status_code == 404
    return in_list


def unit_people(planned: Planned) -> list[httpx.Auth]:
    return [
        person("head", Role.UNIT_HEAD, planned.district_code),
        person("staff", Role.UNIT_STAFF, planned.district_code),
        person("office-head", Role.UNIT_HEAD, planned.office_code),
    ]


async def test_a_unit_sees_only_its_own_units_sealed_records(
    visits: AppClient, planned: Planned
) -> None:
    head = person("head", Role.UNIT_HEAD, planned.district_code)
    body = create_visit_body(str(planned.district))
    open_visit = (await visits.post(VISITS, json=body, auth=planned.leader)).json()["id"]
    assert not await sees(visits, head, open_visit)
    sealed = await submitted_visit(visits, planned, create_visit_body(str(planned.district)))
    assert await sees(visits, head, sealed)
    assert await sees(visits, head, sealed, unit_id=str(planned.district))
    recording = await visits.get(VISITS, params={"status": "recording"}, auth=head)
    assert recording.json()["items"] == []
    # The office beneath sees none of its parent's visits; another district none either.
    assert not await sees(visits, person("o", Role.UNIT_STAFF, planned.office_code), sealed)
    other = await plan(visits.app)
    assert not await sees(visits, person("h", Role.UNIT_HEAD, other.district_code), sealed)
    read = (await visits.get(f"{VISITS}/{sealed}", auth=head)).json()
    assert read["attendance"]["records"][0]["recorded_by"] is None


async def test_a_surprise_inspections_visit_is_no_ones_until_plans_unseals_it(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await submitted_visit(visits, planned, planned.visit())
    outsiders = [*unit_people(planned)[:2], person("someone.else"), person("l", Role.TEAM_LEADER)]
    for auth in outsiders:
        assert not await sees(visits, auth, visit_id)
        assert not await sees(visits, auth, visit_id, inspection_id=str(planned.inspection_id))
        assert not await sees(visits, auth, visit_id, unit_id=str(planned.district))
    # The team, the province's inspectorate and admin, and the Ministry see it all along.
    insiders = [
        planned.leader,
        planned.member,
        person("i", Role.INSPECTORATE),
        person("a", Role.ADMIN),
        person("n", Role.NATIONAL, None),
    ]
    for auth in insiders:
        assert await sees(visits, auth, visit_id)
    # The plans service accepted the visit as the inspection's start: it is no secret now.
    await handle(visits.app, started(planned, visit_id))
    for auth in outsiders:
        assert await sees(visits, auth, visit_id), auth


async def test_a_sealed_inspections_visit_costs_what_a_missing_one_does(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await submitted_visit(visits, planned, planned.visit())
    for auth in [*unit_people(planned)[:1], person("someone.else")]:
        ran = []
        for path in (f"{VISITS}/{visit_id}", f"{VISITS}/{uuid.uuid4()}"):
            with statements(visits) as seen:
                response = await visits.get(path, auth=auth)
            assert response.status_code == 404
            ran.append(seen)
        assert ran[0] == ran[1]
        assert len([s for s in ran[0] if "visits" in s]) == 1
