"""Inspection teams over HTTP: found, read, change with If-Match, list; each write an event."""

from collections.abc import AsyncIterator

import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_team_body
from tests.support.identity import as_
from tests.support.planning import created, prepare, staged


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.INSPECTORATE, language="en") as client:
        yield client


async def test_found_a_team_then_read_it(plans: AppClient) -> None:
    response = await plans.post("/api/v1/plans/teams", json=create_team_body("an", "binh"))
    assert response.status_code == 201
    team = response.json()
    assert response.headers["location"] == f"/api/v1/plans/teams/{team['id']}"
    assert [(m["subject"], m["role"]) for m in team["members"]] == [
        ("an", "leader"),
        ("binh", "member"),
    ]
    assert team["decision_number"] == "Số 45/QĐ-UBND"
    read = await plans.get(response.headers["location"], auth=as_(Role.INSPECTOR))
    assert read.json() == team
    assert read.headers["etag"] == response.headers["etag"]
    [(event_type, payload)] = await staged(plans)
    assert event_type == "vn.congvu.plans.team.formed.v1"
    assert payload["team_id"] == team["id"]
    assert payload["members"][0]["full_name"] == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("members", "loc"),
    [
        ([{"subject": "a", "full_name": "A", "role": "member"}], ["body", "members"]),
        (
            [
                {"subject": "a", "full_name": "A", "role": "leader"},
                {"subject": "b", "full_name": "B", "role": "leader"},
            ],
            ["body", "members"],
        ),
        (
            [
                {"subject": "a", "full_name": "A", "role": "leader"},
                {"subject": "a", "full_name": "A again", "role": "member"},
            ],
            ["body", "members", 1, "subject"],
        ),
    ],
    ids=["no-leader", "two-leaders", "person-twice"],
)
async def test_a_team_has_one_leader_and_no_one_twice(
    plans: AppClient, members: list[dict[str, str]], loc: list[object]
) -> None:
    response = await plans.post("/api/v1/plans/teams", json=create_team_body(members=members))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [loc]
    assert await staged(plans) == []


async def test_validity_cannot_end_before_it_starts(plans: AppClient) -> None:
    body = create_team_body(valid_from="2021-06-01", valid_to="2021-05-31")
    response = await plans.post("/api/v1/plans/teams", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "valid_to"]


async def test_change_members_needs_the_current_etag(plans: AppClient) -> None:
    created = await plans.post("/api/v1/plans/teams", json=create_team_body("an"))
    location, etag = created.headers["location"], created.headers["etag"]
    replacement = create_team_body("chi", "an")["members"]
    assert (await plans.patch(location, json={"members": replacement})).status_code == 428
    changed = await plans.patch(location, json={"members": replacement}, headers={"If-Match": etag})
    assert changed.status_code == 200
    assert [m["subject"] for m in changed.json()["members"]] == ["chi", "an"]
    assert changed.headers["etag"] != etag
    stale = await plans.patch(location, json={"name": "Đoàn 2"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert (await plans.get(location)).json()["name"] == "Đoàn kiểm tra liên ngành"
    assert [event_type for event_type, _ in await staged(plans)] == [
        "vn.congvu.plans.team.formed.v1",
        "vn.congvu.plans.team.changed.v1",
    ]


async def test_list_filters_by_member_and_validity(plans: AppClient) -> None:
    early = await plans.post(
        "/api/v1/plans/teams",
        json=create_team_body("an", valid_from="2021-01-01", valid_to="2021-06-30"),
    )
    late = await plans.post(
        "/api/v1/plans/teams", json=create_team_body("binh", valid_from="2021-07-01", valid_to=None)
    )
    ids = {"early": early.json()["id"], "late": late.json()["id"]}

    async def listed(**params: str) -> list[str]:
        response = await plans.get("/api/v1/plans/teams", params=params)
        assert response.status_code == 200
        return [t["id"] for t in response.json()["items"]]

    assert await listed() == [ids["early"], ids["late"]]
    assert await listed(active_on="2021-03-01") == [ids["early"]]
    assert await listed(active_on="2030-01-01") == [ids["late"]]
    assert await listed(member="binh") == [ids["late"]]
    page = await plans.get("/api/v1/plans/teams", params={"limit": 1})
    rest = await plans.get(
        "/api/v1/plans/teams", params={"limit": 1, "cursor": page.json()["next_cursor"]}
    )
    assert [t["id"] for t in rest.json()["items"]] == [ids["late"]]


async def test_validity_cannot_shrink_under_scheduled_inspections(plans: AppClient) -> None:
    plans.auth = as_(Role.ADMIN)
    province = await prepare(plans)
    await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/teams/{province.team['id']}"
    etag = (await plans.get(path)).headers["etag"]
    shrunk = await plans.patch(path, json={"valid_to": "2021-02-01"}, headers={"If-Match": etag})
    assert shrunk.status_code == 409
    assert "1 scheduled inspection" in shrunk.json()["detail"]
    cleared = await plans.patch(path, json={"valid_to": None}, headers={"If-Match": etag})
    assert cleared.status_code == 200
    assert cleared.json()["valid_to"] is None
    refused = await plans.patch(
        path, json={"valid_from": None}, headers={"If-Match": cleared.headers["etag"]}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "valid_from"]


@pytest.mark.parametrize("role", [Role.UNIT_HEAD, Role.UNIT_STAFF])
async def test_unit_users_cannot_read_teams(plans: AppClient, role: Role) -> None:
    created = await plans.post("/api/v1/plans/teams", json=create_team_body())
    read = await plans.get(created.headers["location"], auth=as_(role, "22"))
    assert read.status_code == 403
    listed = await plans.get("/api/v1/plans/teams", auth=as_(role, "22"))
    assert listed.status_code == 403


async def test_inspectors_cannot_found_teams(plans: AppClient) -> None:
    response = await plans.post(
        "/api/v1/plans/teams", json=create_team_body(), auth=as_(Role.TEAM_LEADER)
    )
    assert response.status_code == 403
