"""An inspection shows when its visit's record was sealed, and under which digest."""

from servicekit.access import Identity, Role
from tests.conftest import Broker, DatabaseFactory
from tests.plans.test_unsealing import LEADER, inspection_seen_by, start_when_known
from tests.support.apps import build_app, serve
from tests.support.factories import create_visit_body
from tests.support.identity import HOME_CODE, As
from tests.support.planning import created, prepare
from tests.support.waiting import eventually


async def test_the_sealed_record_reaches_the_inspection(
    broker: Broker, database: DatabaseFactory
) -> None:
    apps = {
        name: build_app(name, database_url=await database(name), bootstrap=broker.bootstrap)
        for name in ("plans", "visits")
    }
    leader = As(Identity(subject=LEADER, role=Role.TEAM_LEADER, unit_code=HOME_CODE))
    async with serve(apps["plans"], Role.ADMIN) as plans, serve(apps["visits"]) as visits:
        province = await prepare(plans, team_members=(LEADER,))
        inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
        visit = create_visit_body(
            province.district["id"],
            inspection_id=inspection["id"],
            started_at="2021-02-22T16:15:00+07:00",
        )
        response = await start_when_known(
            lambda: visits.post("/api/v1/visits/visits", json=visit, auth=leader)
        )
        assert response.status_code == 201, response.text

        async def started() -> bool:
            seen = await inspection_seen_by(plans, leader, inspection["id"])
            return seen is not None and seen["status"] == "started"

        await eventually(started, timeout_s=30)
        path = f"/api/v1/visits/visits/{visit['id']}"
        etag = (await visits.get(path, auth=leader)).headers["etag"]
        submitted = await visits.post(f"{path}/submission", headers={"If-Match": etag}, auth=leader)
        assert submitted.status_code == 200, submitted.text
        digest = submitted.json()["digest"]

        async def recorded() -> dict[str, object] | None:
            seen = await inspection_seen_by(plans, leader, inspection["id"])
            return seen if seen is not None and seen["record_digest"] is not None else None

        shown = await eventually(recorded, timeout_s=30)
        assert shown["record_digest"] == digest
        assert shown["recorded_at"] == submitted.json()["submitted_at"]
        assert shown["status"] == "started"
        assert [entry["action"] for entry in shown["history"]][-2:] == ["started", "recorded"]
