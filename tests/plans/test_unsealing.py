"""A visit that starts an inspection unseals it: plans hears it from visits over the broker."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from eventbus.inbox import InboxMessage
from servicekit.access import Identity, Role
from tests.conftest import Broker, DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import rate_when_known, unit_unknown
from tests.support.factories import create_visit_body
from tests.support.identity import HOME_CODE, As, as_
from tests.support.planning import created, prepare, staged
from tests.support.reporting import wait_for_scorecard
from tests.support.waiting import eventually

LEADER = "nguyen.van.an"


async def inspection_seen_by(plans: AppClient, auth: As, inspection_id: str) -> Any:
    response = await plans.get(f"/api/v1/plans/inspections/{inspection_id}", auth=auth)
    return response.json() if response.status_code == 200 else None


def inspection_unknown(response: httpx.Response) -> bool:
    """Tell whether visits refused the inspection because plans' events have not reached it."""
    errors = response.json().get("errors", []) if response.status_code == 422 else []
    return any(e["loc"] == ["body", "inspection_id"] for e in errors)


async def start_when_known(
    post: Callable[[], Awaitable[httpx.Response]], timeout_s: float = 30.0
) -> httpx.Response:
    """Start a visit until the unit and the inspection have reached the visits service."""

    async def attempt() -> httpx.Response | None:
        response = await post()
        return None if unit_unknown(response) or inspection_unknown(response) else response

    return await eventually(attempt, timeout_s=timeout_s, every_s=0.1)


async def consumed(plans: AppClient, count: int) -> bool:
    """Tell whether the plans service has handled `count` events."""
    async with plans.app.state.sessionmaker() as session:
        handled = await session.scalar(select(func.count()).select_from(InboxMessage))
        return bool(handled == count)


async def test_starting_the_visit_unseals_the_inspection(
    broker: Broker, database: DatabaseFactory
) -> None:
    apps = {
        name: build_app(name, database_url=await database(name), bootstrap=broker.bootstrap)
        for name in ("plans", "visits", "reporting")
    }
    leader = As(Identity(subject=LEADER, role=Role.TEAM_LEADER, unit_code=HOME_CODE))
    async with (
        serve(apps["plans"], Role.ADMIN) as plans,
        serve(apps["visits"]) as visits,
        serve(apps["reporting"]) as reporting,
    ):
        province = await prepare(plans, team_members=(LEADER,))
        inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
        decoy = await created(plans, "/api/v1/plans/inspections", province.inspection())
        head = as_(Role.UNIT_HEAD, province.district["code"])
        assert await inspection_seen_by(plans, head, inspection["id"]) is None

        # A visit elsewhere naming the inspection does not unseal it. Visits learns of the
        # inspection and its team from plans' events, over the broker.
        wrong_unit = create_visit_body(
            province.province["id"], inspection_id=inspection["id"], surprise=True
        )
        response = await start_when_known(
            lambda: visits.post("/api/v1/visits/visits", json=wrong_unit, auth=leader)
        )
        assert response.status_code == 201, response.text
        # Nor does someone who is not on the team: to them the sealed inspection is unknown.
        stranger = As(Identity(subject="not.on.the.team", role=Role.INSPECTOR, unit_code=HOME_CODE))
        by_stranger = create_visit_body(province.district["id"], inspection_id=inspection["id"])
        response = await rate_when_known(
            lambda: visits.post("/api/v1/visits/visits", json=by_stranger, auth=stranger)
        )
        assert inspection_unknown(response), response.text
        await eventually(lambda: consumed(plans, 1), timeout_s=30)
        assert await inspection_seen_by(plans, head, inspection["id"]) is None
        visit = create_visit_body(
            province.district["id"],
            inspection_id=inspection["id"],
            started_at="2021-02-22T16:15:00+07:00",
        )
        response = await start_when_known(
            lambda: visits.post("/api/v1/visits/visits", json=visit, auth=leader)
        )
        assert response.status_code == 201, response.text

        unsealed = await eventually(
            lambda: inspection_seen_by(plans, head, inspection["id"]), timeout_s=30
        )
        assert unsealed["sealed"] is False
        assert unsealed["status"] == "started"
        assert unsealed["visit_id"] == visit["id"]
        assert unsealed["started_at"] == "2021-02-22T16:15:00+07:00"
        assert unsealed["history"][-1]["action"] == "started"
        assert await inspection_seen_by(plans, head, decoy["id"]) is None

        started = [p for t, p in await staged(plans) if t.endswith("inspection.started.v1")]
        assert started == [
            {
                "inspection_id": inspection["id"],
                "plan_id": province.plan["id"],
                "kind": "surprise",
                "target_unit_id": province.district["id"],
                "window_start": "2021-02-22T00:30:00Z",
                "window_end": "2021-02-24T10:00:00Z",
                "team_id": province.team["id"],
                "visit_id": visit["id"],
                "started_at": "2021-02-22T16:15:00+07:00",
            }
        ]
        # Reporting counts the started inspection, never the one still sealed.
        await wait_for_scorecard(
            reporting, province.district["id"], inspections_started=1, visits_started=1
        )
        cancel = await plans.post(
            f"/api/v1/plans/inspections/{inspection['id']}/cancellation",
            json={"reason": "Muộn"},
            headers={"If-Match": "*"},
        )
        assert cancel.status_code == 409
