"""Concurrent edits of one resource: one wins, the others get 409 or 412, never a 500."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_checklist_body, create_plan_body
from tests.support.planning import created, plan_naming_a_unit, staged

RACERS = 4


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as client:
        yield client


async def test_racing_publishers_publish_one_version(plans: AppClient) -> None:
    checklist = await created(plans, "/api/v1/plans/checklists", create_checklist_body())
    path = f"/api/v1/plans/checklists/{checklist['id']}"
    etag = (await plans.get(path)).headers["etag"]
    body = create_checklist_body(note="Phiên bản 2")
    responses = await asyncio.gather(
        *(
            plans.post(f"{path}/versions", json=body, headers={"If-Match": etag})
            for _ in range(RACERS)
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1, statuses
    assert set(statuses) <= {201, 409, 412}, statuses
    assert (await plans.get(path)).json()["current_version"] == 2
    assert len(await staged(plans)) == 2


async def test_racing_approvers_approve_once(plans: AppClient) -> None:
    plan = await created(plans, "/api/v1/plans/plans", await plan_naming_a_unit(plans))
    path = f"/api/v1/plans/plans/{plan['id']}"
    etag = (await plans.get(path)).headers["etag"]
    responses = await asyncio.gather(
        *(plans.post(f"{path}/approval", headers={"If-Match": etag}) for _ in range(RACERS))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409, 412}, statuses
    approvals = [t for t, _ in await staged(plans) if ".plan." in t]
    assert approvals == ["vn.congvu.plans.plan.approved.v1"]


async def test_racing_drafts_with_one_number_make_one_plan(plans: AppClient) -> None:
    body = create_plan_body(number="Số 99/KH-UBND")
    responses = await asyncio.gather(
        *(plans.post("/api/v1/plans/plans", json=body) for _ in range(RACERS))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1, statuses
    assert set(statuses) <= {201, 409}, statuses
