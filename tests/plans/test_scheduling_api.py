"""Plans (draft → approved → closed) and the inspections they schedule, over HTTP."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import (
    NO_BROKER,
    create_plan_body,
    create_team_body,
    create_unit_body,
)
from tests.support.identity import AWAY_CODE, AWAY_ID, HOME_CODE, as_
from tests.support.planning import (
    Province,
    approved,
    created,
    plan_naming_a_unit,
    prepare,
    staged,
)


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as client:
        yield client


async def etag(client: AppClient, path: str) -> str:
    return (await client.get(path)).headers["etag"]


async def test_plan_workflow_records_who_and_when(plans: AppClient) -> None:
    drafter, approver = as_(Role.INSPECTORATE), as_(Role.ADMIN)
    body = await plan_naming_a_unit(plans)
    response = await plans.post("/api/v1/plans/plans", json=body, auth=drafter)
    assert response.status_code == 201
    plan = response.json()
    path = response.headers["location"]
    assert plan["status"] == "draft"
    assert plan["created_by"] == drafter.identity.subject

    edited = await plans.patch(
        path, json={"title": "Kế hoạch sửa đổi"}, headers={"If-Match": response.headers["etag"]}
    )
    assert edited.status_code == 200
    assert edited.json()["title"] == "Kế hoạch sửa đổi"

    refused = await plans.post(
        f"{path}/approval", headers={"If-Match": edited.headers["etag"]}, auth=drafter
    )
    assert refused.status_code == 403
    stale = await plans.post(
        f"{path}/approval", headers={"If-Match": response.headers["etag"]}, auth=approver
    )
    assert stale.status_code == 412
    approval = await plans.post(
        f"{path}/approval", headers={"If-Match": edited.headers["etag"]}, auth=approver
    )
    assert approval.status_code == 200
    assert approval.json()["status"] == "approved"
    assert approval.json()["approved_by"] == approver.identity.subject
    assert approval.json()["approved_at"].endswith("+07:00")

    closure = await plans.post(
        f"{path}/closure", headers={"If-Match": approval.headers["etag"]}, auth=approver
    )
    assert closure.status_code == 200
    assert closure.json()["status"] == "closed"
    assert closure.json()["closed_by"] == approver.identity.subject
    assert [t for t, _ in await staged(plans) if ".plan." in t] == [
        "vn.congvu.plans.plan.approved.v1",
        "vn.congvu.plans.plan.closed.v1",
    ]


async def test_invalid_transitions_are_409_problems(plans: AppClient) -> None:
    plan = await created(plans, "/api/v1/plans/plans", await plan_naming_a_unit(plans))
    path = f"/api/v1/plans/plans/{plan['id']}"
    closing_draft = await plans.post(f"{path}/closure", headers={"If-Match": "*"})
    assert closing_draft.status_code == 409
    assert closing_draft.headers["content-type"] == "application/problem+json"
    assert "draft" in closing_draft.json()["detail"]
    await approved(plans, plan)
    for step in ("approval",):
        again = await plans.post(f"{path}/{step}", headers={"If-Match": "*"})
        assert again.status_code == 409
    editing = await plans.patch(path, json={"title": "Muộn"}, headers={"If-Match": "*"})
    assert editing.status_code == 409
    assert (await plans.get(path)).json()["title"] == plan["title"]
    assert [t for t, _ in await staged(plans) if ".plan." in t] == [
        "vn.congvu.plans.plan.approved.v1"
    ]


async def test_plan_number_is_unique_per_issuer_and_year(plans: AppClient) -> None:
    body = create_plan_body(number="Số 12/KH-UBND")
    await created(plans, "/api/v1/plans/plans", body)
    assert (await plans.post("/api/v1/plans/plans", json=body)).status_code == 409
    next_year = body | {"year": 2022, "title": "Năm sau"}
    assert (await plans.post("/api/v1/plans/plans", json=next_year)).status_code == 201


async def test_plans_filter_by_year_status_and_target(plans: AppClient) -> None:
    province = await prepare(plans)
    draft = await created(plans, "/api/v1/plans/plans", create_plan_body(year=2022))

    async def listed(**params: Any) -> list[str]:
        response = await plans.get("/api/v1/plans/plans", params=params)
        assert response.status_code == 200
        return [p["id"] for p in response.json()["items"]]

    assert await listed(year=2022) == [draft["id"]]
    assert await listed(status="approved") == [province.plan["id"]]
    assert await listed(target_unit_id=province.province["id"]) == [province.plan["id"]]
    assert await listed(sort="-year") == [draft["id"], province.plan["id"]]
    unit_user = as_(Role.UNIT_STAFF, HOME_CODE)
    public = await plans.get(f"/api/v1/plans/plans/{province.plan['id']}", auth=unit_user)
    assert public.status_code == 200
    # Another province's people find nothing of this one's plans.
    for role in (Role.UNIT_STAFF, Role.INSPECTORATE, Role.ADMIN):
        away = as_(role, AWAY_CODE)
        read = await plans.get(f"/api/v1/plans/plans/{province.plan['id']}", auth=away)
        assert read.status_code == 404, role
        assert (await plans.get("/api/v1/plans/plans", auth=away)).json()["items"] == []


async def test_drafts_exist_only_for_those_who_plan(plans: AppClient) -> None:
    draft = await created(plans, "/api/v1/plans/plans", create_plan_body())
    path = f"/api/v1/plans/plans/{draft['id']}"
    for role in (Role.ADMIN, Role.INSPECTORATE):
        assert (await plans.get(path, auth=as_(role))).status_code == 200
    for auth in (as_(Role.INSPECTOR), as_(Role.UNIT_HEAD, "22"), as_(Role.UNIT_STAFF, "22")):
        assert (await plans.get(path, auth=auth)).status_code == 404
        listed = await plans.get("/api/v1/plans/plans", auth=auth)
        assert listed.json()["items"] == []


async def test_a_draft_can_be_discarded_an_approved_plan_cannot(plans: AppClient) -> None:
    draft = await created(plans, "/api/v1/plans/plans", create_plan_body())
    path = f"/api/v1/plans/plans/{draft['id']}"
    assert (await plans.delete(path)).status_code == 428
    discarded = await plans.delete(path, headers={"If-Match": await etag(plans, path)})
    assert discarded.status_code == 204
    assert (await plans.get(path)).status_code == 404
    province = await prepare(plans)
    path = f"/api/v1/plans/plans/{province.plan['id']}"
    kept = await plans.delete(path, headers={"If-Match": await etag(plans, path)})
    assert kept.status_code == 409
    assert (await plans.get(path)).status_code == 200


async def test_nothing_is_scheduled_under_a_draft(plans: AppClient) -> None:
    province = await prepare(plans)
    draft = await created(
        plans, "/api/v1/plans/plans", create_plan_body(target_unit_ids=[province.province["id"]])
    )
    response = await plans.post(
        "/api/v1/plans/inspections", json=province.inspection(plan_id=draft["id"])
    )
    assert response.status_code == 409
    assert "approved" in response.json()["detail"]


async def test_patch_refuses_null_for_required_fields(plans: AppClient) -> None:
    draft = await created(plans, "/api/v1/plans/plans", create_plan_body())
    path = f"/api/v1/plans/plans/{draft['id']}"
    response = await plans.patch(
        path,
        json={"title": None, "objectives": None},
        headers={"If-Match": await etag(plans, path)},
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "title"]]
    cleared = await plans.patch(
        path, json={"objectives": None}, headers={"If-Match": await etag(plans, path)}
    )
    assert cleared.status_code == 200
    assert cleared.json()["objectives"] is None


async def test_dates_are_judged_in_vietnam_time(plans: AppClient) -> None:
    province = await prepare(plans)
    # 18:00 UTC on 14 January is 01:00 on 15 January in Vietnam, the team's first day.
    body = province.inspection(
        window_start="2021-01-14T18:00:00Z", window_end="2021-01-15T03:00:00Z"
    )
    response = await plans.post("/api/v1/plans/inspections", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["window_start"] == "2021-01-15T01:00:00+07:00"
    too_early = province.inspection(
        window_start="2021-01-14T16:00:00Z", window_end="2021-01-15T03:00:00Z"
    )
    refused = await plans.post("/api/v1/plans/inspections", json=too_early)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "team_id"]


async def test_unknown_target_units_are_422_with_their_index(plans: AppClient) -> None:
    province = await prepare(plans)
    body = create_plan_body(target_unit_ids=[province.province["id"], province.plan["id"]])
    response = await plans.post("/api/v1/plans/plans", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "target_unit_ids", 1]


async def test_an_inspection_pins_its_checklist_version(plans: AppClient) -> None:
    province = await prepare(plans)
    first = await created(plans, "/api/v1/plans/inspections", province.inspection())
    assert first["checklist_version"] == 1
    checklist = f"/api/v1/plans/checklists/{province.checklist['id']}"
    body = {"name": "Bộ tiêu chí thử", "categories": province.checklist["current"]["categories"]}
    published = await plans.post(
        f"{checklist}/versions", json=body, headers={"If-Match": await etag(plans, checklist)}
    )
    assert published.status_code == 201
    second = await created(plans, "/api/v1/plans/inspections", province.inspection())
    assert second["checklist_version"] == 2
    again = await plans.get(f"/api/v1/plans/inspections/{first['id']}")
    assert again.json()["checklist_version"] == 1
    chosen = await created(
        plans, "/api/v1/plans/inspections", province.inspection(checklist_version=1)
    )
    assert chosen["checklist_version"] == 1
    too_new = await plans.post(
        "/api/v1/plans/inspections", json=province.inspection(checklist_version=3)
    )
    assert too_new.status_code == 422
    assert too_new.json()["errors"][0]["loc"] == ["body", "checklist_version"]


async def test_a_recurring_inspection_makes_a_series(plans: AppClient) -> None:
    province = await prepare(plans)
    body = province.inspection(
        kind="periodic",
        window_start="2021-01-31T08:00:00+07:00",
        window_end="2021-01-31T11:00:00+07:00",
        recurrence={"frequency": "monthly", "count": 3},
    )
    response = await plans.post("/api/v1/plans/inspections", json=body)
    assert response.status_code == 201
    first = response.json()
    series = await plans.get(
        "/api/v1/plans/inspections",
        params={"series_id": first["series_id"], "sort": "window_start"},
    )
    items = series.json()["items"]
    assert [(i["occurrence"], i["window_start"], i["window_end"]) for i in items] == [
        (1, "2021-01-31T08:00:00+07:00", "2021-01-31T11:00:00+07:00"),
        (2, "2021-02-28T08:00:00+07:00", "2021-02-28T11:00:00+07:00"),
        (3, "2021-03-31T08:00:00+07:00", "2021-03-31T11:00:00+07:00"),
    ]
    scheduled = [p for t, p in await staged(plans) if t.endswith("inspection.scheduled.v1")]
    assert [p["inspection_id"] for p in scheduled] == [i["id"] for i in items]


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"window_end": "2021-02-22T07:00:00+07:00"}, ["body", "window_end"]),
        ({"kind": "thematic"}, ["body", "topic"]),
        (
            {
                "window_start": "2021-12-20T08:00:00+07:00",
                "window_end": "2021-12-20T11:00:00+07:00",
                "recurrence": {"frequency": "weekly", "count": 3},
                "kind": "periodic",
            },
            ["body", "recurrence"],
        ),
        ({"window_start": "2021-02-22T07:30:00"}, ["body", "window_start"]),
        ({"kind": "annual"}, ["body", "kind"]),
        ({"recurrence": {"frequency": "monthly", "count": 2}}, ["body", "recurrence"]),
    ],
    ids=[
        "window-backwards",
        "thematic-without-topic",
        "beyond-plan-year",
        "no-offset",
        "kind",
        "surprise-recurring",
    ],
)
async def test_bad_schedules_are_422_with_field_paths(
    plans: AppClient, overrides: dict[str, Any], loc: list[object]
) -> None:
    province = await prepare(plans)
    response = await plans.post("/api/v1/plans/inspections", json=province.inspection(**overrides))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    assert not [t for t, _ in await staged(plans) if "inspection" in t]


async def test_targets_teams_and_plans_must_fit(plans: AppClient) -> None:
    province = await prepare(plans)
    # Xã Lạng Khê lies in Nghệ An: a plan of another province does not reach it.
    nghe_an = {"code": "40", "name": "Tỉnh Nghệ An", "level": "province"}
    national = as_(Role.NATIONAL)
    elsewhere = (await plans.post("/api/v1/plans/units", json=nghe_an, auth=national)).json()
    lang_khe = create_unit_body(name="Xã Lạng Khê", level="commune", parent_id=elsewhere["id"])
    commune = (await plans.post("/api/v1/plans/units", json=lang_khe, auth=national)).json()
    for unit in (elsewhere, commune):
        outside = await plans.post(
            "/api/v1/plans/inspections", json=province.inspection(target_unit_id=unit["id"])
        )
        assert outside.status_code == 422
        assert outside.json()["errors"][0]["loc"] == ["body", "target_unit_id"]
    # Nor does it use another province's team or plan.
    away = as_(Role.INSPECTORATE, AWAY_CODE)
    away_team = await plans.post("/api/v1/plans/teams", json=create_team_body(), auth=away)
    assert away_team.json()["province_id"] == str(AWAY_ID)
    borrowed = await plans.post(
        "/api/v1/plans/inspections", json=province.inspection(team_id=away_team.json()["id"])
    )
    assert borrowed.status_code == 422
    assert borrowed.json()["errors"][0]["loc"] == ["body", "team_id"]
    theirs = await plans.post("/api/v1/plans/inspections", json=province.inspection(), auth=away)
    assert theirs.status_code == 422
    assert theirs.json()["errors"][0]["loc"] == ["body", "plan_id"]
    expired = await created(
        plans,
        "/api/v1/plans/teams",
        create_team_body(valid_from="2020-01-01", valid_to="2020-12-31"),
    )
    stale_team = await plans.post(
        "/api/v1/plans/inspections", json=province.inspection(team_id=expired["id"])
    )
    assert stale_team.status_code == 422
    assert stale_team.json()["errors"][0]["loc"] == ["body", "team_id"]
    path = f"/api/v1/plans/plans/{province.plan['id']}"
    closed = await plans.post(f"{path}/closure", headers={"If-Match": await etag(plans, path)})
    assert closed.status_code == 200
    late = await plans.post("/api/v1/plans/inspections", json=province.inspection())
    assert late.status_code == 409


async def reschedule(plans: AppClient, inspection_id: str, **body: Any) -> Any:
    path = f"/api/v1/plans/inspections/{inspection_id}"
    return await plans.post(
        f"{path}/rescheduling", json=body, headers={"If-Match": await etag(plans, path)}
    )


async def test_reschedule_and_cancel_keep_a_history_with_reasons(plans: AppClient) -> None:
    province = await prepare(plans)
    inspection = await created(
        plans, "/api/v1/plans/inspections", province.inspection(kind="periodic")
    )
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    no_reason = await plans.post(
        f"{path}/rescheduling",
        json={
            "window_start": "2021-03-01T07:30:00+07:00",
            "window_end": "2021-03-02T17:00:00+07:00",
        },
        headers={"If-Match": await etag(plans, path)},
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["loc"] == ["body", "reason"]
    moved = await reschedule(
        plans,
        inspection["id"],
        window_start="2021-03-01T07:30:00+07:00",
        window_end="2021-03-02T17:00:00+07:00",
        reason="Trùng lịch họp HĐND",
    )
    assert moved.status_code == 200
    assert moved.json()["window_start"] == "2021-03-01T07:30:00+07:00"
    cancelled = await plans.post(
        f"{path}/cancellation",
        json={"reason": "Đơn vị sáp nhập"},
        headers={"If-Match": moved.headers["etag"]},
    )
    assert cancelled.status_code == 200
    history = cancelled.json()["history"]
    assert [(h["action"], h["reason"]) for h in history] == [
        ("scheduled", None),
        ("rescheduled", "Trùng lịch họp HĐND"),
        ("cancelled", "Đơn vị sáp nhập"),
    ]
    assert history[1]["window_start"] == "2021-03-01T07:30:00+07:00"
    again = await plans.post(
        f"{path}/cancellation", json={"reason": "x"}, headers={"If-Match": "*"}
    )
    assert again.status_code == 409
    moved_again = await reschedule(
        plans,
        inspection["id"],
        window_start="2021-04-01T07:30:00+07:00",
        window_end="2021-04-02T17:00:00+07:00",
        reason="Thử",
    )
    assert moved_again.status_code == 409
    events = [(t.rsplit(".", 2)[-2], p) for t, p in await staged(plans) if ".inspection." in t]
    assert [name for name, _ in events] == ["scheduled", "rescheduled", "cancelled"]
    assert events[1][1]["reason"] == "Trùng lịch họp HĐND"
    assert events[2][1]["reason"] == "Đơn vị sáp nhập"


async def test_closing_a_plan_cancels_what_is_still_scheduled(plans: AppClient) -> None:
    province = await prepare(plans)
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/plans/{province.plan['id']}"
    closed = await plans.post(f"{path}/closure", headers={"If-Match": await etag(plans, path)})
    assert closed.status_code == 200
    after = (await plans.get(f"/api/v1/plans/inspections/{inspection['id']}")).json()
    assert after["status"] == "cancelled"
    assert after["history"][-1]["reason"] == "Kế hoạch đã kết thúc"


async def test_only_planners_schedule(plans: AppClient) -> None:
    province: Province = await prepare(plans)
    for role in (Role.TEAM_LEADER, Role.INSPECTOR):
        refused = await plans.post(
            "/api/v1/plans/inspections", json=province.inspection(), auth=as_(role)
        )
        assert refused.status_code == 403
    refused = await plans.post(
        "/api/v1/plans/inspections", json=province.inspection(), auth=as_(Role.UNIT_HEAD, "22")
    )
    assert refused.status_code == 403


async def test_unit_users_see_only_their_own_units_among_a_plans_targets(
    plans: AppClient,
) -> None:
    province = await prepare(plans)
    other = await created(
        plans, "/api/v1/plans/units", create_unit_body(name="Huyện Con Cuông", valid_to=None)
    )
    plan = await created(
        plans,
        "/api/v1/plans/plans",
        create_plan_body(target_unit_ids=[province.district["id"], other["id"]]),
    )
    await approved(plans, plan)
    head = as_(Role.UNIT_HEAD, province.district["code"])
    read = await plans.get(f"/api/v1/plans/plans/{plan['id']}", auth=head)
    assert read.json()["target_unit_ids"] == [province.district["id"]]
    assert (await plans.get(f"/api/v1/plans/plans/{plan['id']}")).json()["target_unit_ids"] == [
        province.district["id"],
        other["id"],
    ]

    async def listed(target: str) -> list[str]:
        response = await plans.get(
            "/api/v1/plans/plans", params={"target_unit_id": target}, auth=head
        )
        return [p["id"] for p in response.json()["items"]]

    assert await listed(province.district["id"]) == [plan["id"]]
    assert await listed(other["id"]) == []
