"""Plans and visits over a real broker: a surprise inspection's visit, from start to seal.

Visits learns the district, the team, the checklist version, the inspection and the staffing
from the plans service's events; its visit unseals the inspection in plans, and plans'
InspectionStarted is what lets the inspected unit read the sealed record.
"""

import uuid
from typing import Any

import httpx

from servicekit.access import Role
from tests.conftest import Broker, DatabaseFactory
from tests.support.apps import build_app, serve
from tests.support.factories import (
    create_attendance_body,
    create_headcount,
    create_result_item,
    create_violation_body,
)
from tests.support.planning import created, prepare
from tests.support.waiting import eventually
from tests.visits.known import LEADER, MEMBER, person

VISITS = "/api/v1/visits/visits"


async def when_known(post: Any) -> httpx.Response:
    """Send a start until visits has heard of its unit and its inspection."""

    async def attempt() -> httpx.Response | None:
        response: httpx.Response = await post()
        unknown = response.status_code == 422 and any(
            e["loc"] in (["body", "unit_id"], ["body", "inspection_id"])
            for e in response.json()["errors"]
        )
        return None if unknown else response

    return await eventually(attempt, timeout_s=30, every_s=0.1)


async def test_a_surprise_visit_from_start_to_seal(
    broker: Broker, database: DatabaseFactory
) -> None:
    apps = {
        name: build_app(name, database_url=await database(name), bootstrap=broker.bootstrap)
        for name in ("plans", "visits")
    }
    leader, member = person(LEADER, Role.TEAM_LEADER), person(MEMBER)
    async with (
        serve(apps["plans"], Role.ADMIN) as plans,
        serve(apps["visits"], language="en") as visits,
    ):
        province = await prepare(plans, team_members=(LEADER, MEMBER))
        district = province.district
        staffing = {"as_of": "2021-01-01", "on_roll": {"civil_servant": 12}}
        recorded = await plans.put(f"/api/v1/plans/units/{district['id']}/staffing", json=staffing)
        assert recorded.status_code == 200, recorded.text
        inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
        assert inspection["sealed"] is True

        body = {
            "id": str(uuid.uuid4()),
            "unit_id": district["id"],
            "inspection_id": inspection["id"],
            "started_at": "2021-02-22T16:15:00+07:00",
            "surprise": True,
        }
        started = await when_known(lambda: visits.post(VISITS, json=body, auth=leader))
        assert started.status_code == 201, started.text
        visit = started.json()
        # Someone off the team is told nothing of the sealed inspection visits knows of.
        other = body | {"id": str(uuid.uuid4())}
        stranger = await visits.post(VISITS, json=other, auth=person("not.on.the.team"))
        assert stranger.status_code == 422
        assert [e["loc"] for e in stranger.json()["errors"]] == [["body", "inspection_id"]]
        assert visit["checklist_id"] == province.checklist["id"]
        path = f"{VISITS}/{visit['id']}"

        counts = create_headcount(12, present=10, absent_with_reason={"business_trip": 2})
        attendance = create_attendance_body(headcounts={"civil_servant": counts})
        response = await visits.put(
            f"{path}/attendance-records/{uuid.uuid4()}", json=attendance, auth=member
        )
        assert response.status_code == 201, response.text
        results = {"items": [create_result_item("GIO.1", "pass")]}
        response = await visits.put(f"{path}/results", json=results, auth=member)
        assert response.status_code == 200, response.text
        assert response.json()["score"]["percent"] == 100.0
        violation = create_violation_body(district["id"], category_code="GIO", criterion_code=None)
        response = await visits.put(
            f"{path}/violations/{uuid.uuid4()}", json=violation, auth=leader
        )
        assert response.status_code == 201, response.text

        async def compared() -> Any:
            read = (await visits.get(path, auth=leader)).json()
            return read["attendance"]["staffing"]

        assert (await eventually(compared, timeout_s=30))["differs"] is False
        etag = (await visits.get(path, auth=leader)).headers["etag"]
        submitted = await visits.post(f"{path}/submission", headers={"If-Match": etag}, auth=leader)
        assert submitted.status_code == 200, submitted.text

        # Plans heard the visit start and unsealed the inspection; visits hears it back.
        head = person("head", Role.UNIT_HEAD, district["code"])

        async def seen_by_head() -> Any:
            response = await visits.get(path, auth=head)
            return response.json() if response.status_code == 200 else None

        shown = await eventually(seen_by_head, timeout_s=30)
        assert shown["digest"] == submitted.json()["digest"]
        assert shown["submitted_by"] is None
        read = await plans.get(f"/api/v1/plans/inspections/{inspection['id']}", auth=head)
        assert (read.json()["status"], read.json()["visit_id"]) == ("started", visit["id"])
