"""A surprise inspection stays sealed: only its team, approvers and the inspectorate see it."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from servicekit.access import Identity, Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.identity import HOME_CODE, As, as_
from tests.support.planning import Province, created, prepare, staged

LEADER, MEMBER = "nguyen.van.an", "tran.thi.binh"


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as client:
        yield client


def person(subject: str, role: Role) -> As:
    return As(Identity(subject=subject, role=role, unit_code=HOME_CODE))


async def seen(plans: AppClient, auth: httpx.Auth, inspection_id: str, **params: Any) -> bool:
    """Tell whether the caller finds the inspection, by id and in the list."""
    one = await plans.get(f"/api/v1/plans/inspections/{inspection_id}", auth=auth)
    listed = await plans.get("/api/v1/plans/inspections", params=params, auth=auth)
    assert listed.status_code == 200
    in_list = inspection_id in {i["id"] for i in listed.json()["items"]}
    assert (one.status_code == 200) == in_list, (one.status_code, in_list)
    return in_list


async def surprise(plans: AppClient) -> tuple[Province, dict[str, Any]]:
    province = await prepare(plans, team_members=(LEADER, MEMBER))
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    assert inspection["sealed"] is True
    return province, inspection


async def test_the_team_approvers_and_inspectorate_see_it(plans: AppClient) -> None:
    _, inspection = await surprise(plans)
    for auth in (
        as_(Role.ADMIN),
        as_(Role.INSPECTORATE),
        person(LEADER, Role.TEAM_LEADER),
        person(MEMBER, Role.INSPECTOR),
    ):
        assert await seen(plans, auth, inspection["id"])


async def test_users_of_the_target_and_other_inspectors_find_nothing(plans: AppClient) -> None:
    province, inspection = await surprise(plans)
    outsiders = (
        as_(Role.UNIT_HEAD, province.district["code"]),
        as_(Role.UNIT_STAFF, province.district["code"]),
        as_(Role.UNIT_HEAD, province.province["code"]),
        person("someone.else", Role.INSPECTOR),
        person("another.leader", Role.TEAM_LEADER),
    )
    for auth in outsiders:
        assert not await seen(plans, auth, inspection["id"])
        assert not await seen(plans, auth, inspection["id"], target_unit_id=province.district["id"])
        assert not await seen(plans, auth, inspection["id"], plan_id=province.plan["id"])


async def test_a_sealed_inspection_answers_exactly_like_a_missing_one(plans: AppClient) -> None:
    province, inspection = await surprise(plans)
    head = as_(Role.UNIT_HEAD, province.district["code"])
    missing = str(uuid.uuid4())
    sealed = await plans.get(f"/api/v1/plans/inspections/{inspection['id']}", auth=head)
    absent = await plans.get(f"/api/v1/plans/inspections/{missing}", auth=head)
    assert sealed.status_code == absent.status_code == 404

    def shape(response: httpx.Response, inspection_id: str) -> tuple[Any, ...]:
        body = response.json()
        return (
            {k: str(v).replace(inspection_id, "ID") for k, v in body.items()},
            sorted(h for h in response.headers if h not in ("x-request-id", "content-length")),
        )

    assert shape(sealed, inspection["id"]) == shape(absent, missing)


async def test_periodic_inspections_are_announced_to_the_unit(plans: AppClient) -> None:
    province = await prepare(plans)
    periodic = await created(
        plans, "/api/v1/plans/inspections", province.inspection(kind="periodic")
    )
    assert periodic["sealed"] is False
    assert await seen(plans, as_(Role.UNIT_STAFF, province.district["code"]), periodic["id"])
    assert await seen(plans, as_(Role.UNIT_HEAD, province.province["code"]), periodic["id"])
    assert not await seen(plans, as_(Role.UNIT_HEAD, "99"), periodic["id"])


async def test_events_about_a_sealed_inspection_leave_out_target_date_and_reason(
    plans: AppClient,
) -> None:
    province, inspection = await surprise(plans)
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    moved = await plans.post(
        f"{path}/rescheduling",
        json={
            "window_start": "2021-03-08T07:30:00+07:00",
            "window_end": "2021-03-09T17:00:00+07:00",
            "reason": "Huyện Kỳ Sơn có lễ hội",
        },
        headers={"If-Match": (await plans.get(path)).headers["etag"]},
    )
    assert moved.status_code == 200
    cancelled = await plans.post(
        f"{path}/cancellation",
        json={"reason": "Kỳ Sơn đã được kiểm tra"},
        headers={"If-Match": moved.headers["etag"]},
    )
    assert cancelled.status_code == 200
    events = [(t, p) for t, p in await staged(plans) if ".inspection." in t]
    assert [t.rsplit(".", 2)[-2] for t, _ in events] == ["scheduled", "rescheduled", "cancelled"]
    secrets = (province.district["id"], "2021-02-22", "2021-03-08", "Kỳ Sơn")
    for _, payload in events:
        assert payload["sealed"] is True
        assert not [s for s in secrets if s in str(payload)], payload
    assert events[0][1]["team_id"] == province.team["id"]
