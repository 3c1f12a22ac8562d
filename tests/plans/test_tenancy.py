"""Provinces kept apart: another province's people find nothing of this one's, whatever they call.

Every plans operation in the policy is called by AWAY's admin (who holds every planning role)
against HOME's units, team, checklist, plans and inspection; a new operation without a call
here fails the test until someone says what another province may see of it.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import (
    NO_BROKER,
    create_checklist_body,
    create_plan_body,
    create_team_body,
    create_unit_body,
)
from tests.support.identity import AWAY_CODE, AWAY_ID, HOME_ID, as_
from tests.support.planning import Province, created, prepare

API = "/api/v1/plans"
AWAY = as_(Role.ADMIN, AWAY_CODE)
ANY = {"If-Match": "*"}
WINDOW = {"window_start": "2021-03-01T07:30:00+07:00", "window_end": "2021-03-02T17:00:00+07:00"}


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as client:
        yield client


@dataclass
class Home:
    """What HOME holds: a province ready to inspect, a sealed inspection and a draft."""

    province: Province
    inspection: dict[str, Any]
    draft: dict[str, Any]

    def ids(self) -> set[str]:
        p = self.province
        return {
            str(HOME_ID),
            p.district["id"],
            p.team["id"],
            p.checklist["id"],
            p.plan["id"],
            self.inspection["id"],
            self.draft["id"],
        }


async def home(plans: AppClient) -> Home:
    province = await prepare(plans)
    inspection = await created(plans, f"{API}/inspections", province.inspection())
    draft = await created(plans, f"{API}/plans", create_plan_body(number="Số 2/KH-UBND"))
    staffing = {"as_of": "2021-01-01", "on_roll": {"civil_servant": 12}}
    district = f"{API}/units/{province.district['id']}"
    assert (await plans.put(f"{district}/staffing", json=staffing)).status_code == 200
    return Home(province, inspection, draft)


Call = Callable[[AppClient, Home], Awaitable[httpx.Response]]


def get(path: Callable[[Home], str]) -> Call:
    return lambda plans, h: plans.get(f"{API}/{path(h)}", auth=AWAY)


def write(method: str, path: Callable[[Home], str], body: Callable[[Home], Any]) -> Call:
    return lambda plans, h: plans.request(
        method, f"{API}/{path(h)}", json=body(h), headers=ANY, auth=AWAY
    )


def unit(h: Home) -> str:
    return f"units/{h.province.district['id']}"


# What AWAY's admin gets from each operation, given HOME's data: a 404 for HOME's own
# resources, a 422 naming the field when a body points at them.
NOT_FOUND: dict[str, Call] = {
    "plans.units.read": get(unit),
    "plans.units.update": write("PATCH", unit, lambda h: {"name": "Huyện khác"}),
    "plans.units.staffing.read": get(lambda h: f"{unit(h)}/staffing"),
    "plans.units.staffing.record": write(
        "PUT",
        lambda h: f"{unit(h)}/staffing",
        lambda h: {"as_of": "2021-02-01", "on_roll": {"cadre": 1}},
    ),
    "plans.units.sub_units": get(lambda h: f"units/{HOME_ID}/sub-units"),
    "plans.teams.read": get(lambda h: f"teams/{h.province.team['id']}"),
    "plans.teams.update": write(
        "PATCH", lambda h: f"teams/{h.province.team['id']}", lambda h: {"name": "Đoàn khác"}
    ),
    "plans.checklists.read": get(lambda h: f"checklists/{h.province.checklist['id']}"),
    "plans.checklists.publish": write(
        "POST",
        lambda h: f"checklists/{h.province.checklist['id']}/versions",
        lambda h: create_checklist_body(),
    ),
    "plans.checklists.versions.read": get(
        lambda h: f"checklists/{h.province.checklist['id']}/versions/1"
    ),
    "plans.plans.read": get(lambda h: f"plans/{h.province.plan['id']}"),
    "plans.plans.update": write(
        "PATCH", lambda h: f"plans/{h.draft['id']}", lambda h: {"title": "X"}
    ),
    "plans.plans.discard": lambda plans, h: plans.delete(
        f"{API}/plans/{h.draft['id']}", headers=ANY, auth=AWAY
    ),
    "plans.plans.approve": write("POST", lambda h: f"plans/{h.draft['id']}/approval", lambda h: {}),
    "plans.plans.close": write(
        "POST", lambda h: f"plans/{h.province.plan['id']}/closure", lambda h: {}
    ),
    "plans.inspections.read": get(lambda h: f"inspections/{h.inspection['id']}"),
    "plans.inspections.reschedule": write(
        "POST",
        lambda h: f"inspections/{h.inspection['id']}/rescheduling",
        lambda h: WINDOW | {"reason": "Lý do"},
    ),
    "plans.inspections.cancel": write(
        "POST",
        lambda h: f"inspections/{h.inspection['id']}/cancellation",
        lambda h: {"reason": "Lý do"},
    ),
}
REFUSED: dict[str, tuple[Call, list[str | int]]] = {
    "plans.units.register": (
        write(
            "POST",
            lambda h: "units",
            lambda h: create_unit_body(parent_id=h.province.district["id"]),
        ),
        ["body", "parent_id"],
    ),
    "plans.plans.create": (
        write(
            "POST",
            lambda h: "plans",
            lambda h: create_plan_body(target_unit_ids=[h.province.district["id"]]),
        ),
        ["body", "target_unit_ids", 0],
    ),
    "plans.inspections.schedule": (
        write("POST", lambda h: "inspections", lambda h: h.province.inspection()),
        ["body", "plan_id"],
    ),
}
LISTS = {
    "plans.units.list": "units",
    "plans.teams.list": "teams",
    "plans.checklists.list": "checklists",
    "plans.plans.list": "plans",
    "plans.inspections.list": "inspections",
}
# Creating in one's own province finds nothing of another's: it makes AWAY's own.
OWN = {
    "plans.teams.form": ("teams", create_team_body),
    "plans.checklists.create": ("checklists", create_checklist_body),
}


def test_every_plans_operation_is_tried() -> None:
    tried = {*NOT_FOUND, *REFUSED, *LISTS, *OWN}
    app = build_app("plans", database_url="sqlite+aiosqlite://", bootstrap=NO_BROKER)
    assert tried == {operation.name for operation in app.state.policy}


async def test_another_province_finds_nothing_of_this_ones(plans: AppClient) -> None:
    h = await home(plans)
    for name, call in NOT_FOUND.items():
        response = await call(plans, h)
        assert response.status_code == 404, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for name, (call, loc) in REFUSED.items():
        response = await call(plans, h)
        assert response.status_code == 422, (name, response.text)
        assert [e["loc"] for e in response.json()["errors"]] == [loc], name
    for name, path in LISTS.items():
        response = await plans.get(f"{API}/{path}", params={"limit": 500}, auth=AWAY)
        assert response.status_code == 200, (name, response.text)
        shown = {item["id"] for item in response.json()["items"]}
        assert not shown & h.ids(), name
    for name, (path, body) in OWN.items():
        response = await plans.post(f"{API}/{path}", json=body(), auth=AWAY)
        assert response.status_code == 201, (name, response.text)
        assert response.json()["province_id"] == str(AWAY_ID), name
        assert (await plans.get(response.headers["location"])).status_code == 404, name

    # Nothing of HOME's changed, and HOME still sees all of it.
    assert (await plans.get(f"{API}/plans/{h.draft['id']}")).json()["status"] == "draft"
    plan = (await plans.get(f"{API}/plans/{h.province.plan['id']}")).json()
    assert plan["status"] == "approved"
    inspection = (await plans.get(f"{API}/inspections/{h.inspection['id']}")).json()
    assert (inspection["status"], inspection["window_start"]) == (
        "scheduled",
        h.inspection["window_start"],
    )
    team = (await plans.get(f"{API}/teams/{h.province.team['id']}")).json()
    assert team["name"] == h.province.team["name"]


async def test_the_ministry_sees_every_province(plans: AppClient) -> None:
    h = await home(plans)
    national = as_(Role.NATIONAL)
    for path in (
        f"units/{h.province.district['id']}",
        f"teams/{h.province.team['id']}",
        f"checklists/{h.province.checklist['id']}",
        f"plans/{h.province.plan['id']}",
        f"plans/{h.draft['id']}",
        f"inspections/{h.inspection['id']}",
    ):
        response = await plans.get(f"{API}/{path}", auth=national)
        assert response.status_code == 200, (path, response.text)
    listed = await plans.get(f"{API}/inspections", auth=national)
    assert h.inspection["id"] in {i["id"] for i in listed.json()["items"]}
    # It reads; planning is the provinces' work.
    refused = await plans.post(f"{API}/plans", json=create_plan_body(), auth=national)
    assert refused.status_code == 403


async def test_a_plans_scope_is_named_not_everything(plans: AppClient) -> None:
    refused = await plans.post(
        f"{API}/plans", json=create_plan_body(target_unit_ids=[], target_categories=[])
    )
    assert refused.status_code == 422
    # Categories resolve within the plan's scope, which lies in the province.
    away_scope = create_plan_body(scope_unit_id=str(AWAY_ID))
    response = await plans.post(f"{API}/plans", json=away_scope)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "scope_unit_id"]]


async def test_a_caller_whose_unit_is_unknown_acts_for_no_province(plans: AppClient) -> None:
    await home(plans)
    stranger = as_(Role.INSPECTORATE, "NOWHERE")
    assert (await plans.get(f"{API}/units", auth=stranger)).json()["items"] == []
    assert (await plans.get(f"{API}/plans", auth=stranger)).json()["items"] == []
    response = await plans.post(f"{API}/teams", json=create_team_body(), auth=stranger)
    assert response.status_code == 403


async def test_a_province_is_the_ministrys_to_change(plans: AppClient) -> None:
    province = f"{API}/units/{HOME_ID}"
    rename = {"name": "Tỉnh Đổi Tên"}
    for change in (rename, {"valid_to": "2030-12-31"}):
        refused = await plans.patch(province, json=change, headers=ANY)
        assert refused.status_code == 403, refused.text
    national = as_(Role.NATIONAL)
    renamed = await plans.patch(province, json=rename, headers=ANY, auth=national)
    assert renamed.status_code == 200, renamed.text
    # Its units stay the province's own to keep.
    district = await created(plans, f"{API}/units", create_unit_body())
    moved = await plans.patch(
        f"{API}/units/{district['id']}", json={"name": "Huyện mới"}, headers=ANY
    )
    assert moved.status_code == 200, moved.text
