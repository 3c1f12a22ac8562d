"""What officials write on a plan: legal basis, issue date, signer, approval date, targets.

The Trà Vinh 2023 plan (issued 30/01/2023 by the chairman of the provincial People's
Committee) targets categories, not named units: provincial departments, state enterprises
handling procedures, district and commune People's Committees, special associations.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from servicekit.access import Role
from servicekit.times import to_vn, utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import (
    NO_BROKER,
    create_checklist_body,
    create_inspection_body,
    create_plan_body,
    create_team_body,
    create_unit_body,
)
from tests.support.identity import as_
from tests.support.planning import created, staged

PLANS, UNITS = "/api/v1/plans/plans", "/api/v1/plans/units"
CATEGORIES = [
    "provincial_departments",
    "state_enterprises",
    "district_peoples_committees",
    "commune_peoples_committees",
    "associations",
]
DIRECTIVE_27 = {
    "number": "Chỉ thị số 27/CT-HU",
    "issued_on": "2022-02",
    "issuer": "Huyện ủy Phú Ninh",
    "title": "Về tăng cường kỷ luật, kỷ cương trong thực thi công vụ",
}
TRA_VINH = "84"
CHAIRMAN = {"position": "Chủ tịch UBND tỉnh Trà Vinh", "full_name": None}


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


async def unit(plans: AppClient, name: str, level: str, **fields: Any) -> dict[str, Any]:
    """Register a pre-2025 unit (closed on 30 June 2025) and return it."""
    body = create_unit_body(name=name, level=level, **fields)
    response = await plans.post(UNITS, json=body, auth=as_(Role.NATIONAL))
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def tra_vinh(plans: AppClient) -> dict[str, dict[str, Any]]:
    """Register Trà Vinh province before 2025 with units of every category, and some not.

    The Ministry registers them; from then on the client calls as Trà Vinh's admin, who
    enters the province's plans.
    """
    province = await unit(plans, "Tỉnh Trà Vinh", "province", kind="province", code=TRA_VINH)
    beneath = {"parent_id": province["id"]}
    committee = await unit(
        plans, "UBND tỉnh Trà Vinh", "agency", kind="peoples_committee", **beneath
    )
    cau_ke = await unit(plans, "Huyện Cầu Kè", "district", kind="district", **beneath)
    tra_cu = await unit(plans, "Huyện Trà Cú", "district", kind="district", **beneath)
    home_affairs = await unit(plans, "Sở Nội vụ", "agency", kind="department", **beneath)
    elsewhere = await unit(plans, "Tỉnh Vĩnh Long", "province", kind="province")
    units = {
        "province": province,
        "committee": committee,
        "home_affairs": home_affairs,
        # Beneath the provincial People's Committee: still a provincial department.
        "justice": await unit(
            plans, "Sở Tư pháp", "agency", kind="department", parent_id=committee["id"]
        ),
        "office": await unit(
            plans, "Văn phòng Sở Nội vụ", "office", kind="office", parent_id=home_affairs["id"]
        ),
        "water": await unit(
            plans, "Công ty cấp nước Trà Vinh", "agency", kind="state_enterprise", **beneath
        ),
        "red_cross": await unit(
            plans, "Hội Chữ thập đỏ tỉnh Trà Vinh", "agency", kind="association", **beneath
        ),
        "cau_ke": cau_ke,
        "tra_cu": tra_cu,
        # The registry holds Trà Cú's People's Committee itself: it stands for the district.
        "tra_cu_committee": await unit(
            plans, "UBND huyện Trà Cú", "agency", kind="peoples_committee", parent_id=tra_cu["id"]
        ),
        # A district's own office is not a provincial department.
        "district_office": await unit(
            plans, "Phòng Nội vụ huyện Cầu Kè", "agency", kind="department", parent_id=cau_ke["id"]
        ),
        "phong_thanh": await unit(
            plans, "Xã Phong Thạnh", "commune", kind="commune", parent_id=cau_ke["id"]
        ),
        "closed_before": await unit(
            plans, "Xã cũ", "commune", kind="commune", parent_id=cau_ke["id"], valid_to="2020-01-09"
        ),
        "founded_after": await unit(
            plans,
            "Xã mới",
            "commune",
            kind="commune",
            parent_id=cau_ke["id"],
            valid_from="2024-01-01",
        ),
        "elsewhere": await unit(
            plans, "Sở Nội vụ Vĩnh Long", "agency", kind="department", parent_id=elsewhere["id"]
        ),
    }
    plans.auth = as_(Role.ADMIN, TRA_VINH)
    return units


def by_code(*units: dict[str, Any]) -> list[str]:
    return [u["id"] for u in sorted(units, key=lambda u: u["code"])]


def plan_body(**overrides: Any) -> dict[str, Any]:
    """Return the Trà Vinh 2023 plan as the officials wrote it."""
    body = create_plan_body(
        title="Kế hoạch kiểm tra công vụ năm 2023",
        issuer="UBND tỉnh Trà Vinh",
        year=2023,
        issued_on="2023-01-30",
        signer=CHAIRMAN,
        legal_basis=[DIRECTIVE_27],
        target_categories=CATEGORIES,
    )
    return body | overrides


async def approve(plans: AppClient, plan: dict[str, Any], body: Any = None) -> httpx.Response:
    path = f"{PLANS}/{plan['id']}"
    etag = (await plans.get(path)).headers["etag"]
    extra = {} if body is None else {"json": body}
    return await plans.post(f"{path}/approval", headers={"If-Match": etag}, **extra)


def refused(response: httpx.Response, *loc: str | int) -> None:
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["body", *loc]]


async def test_categories_resolve_against_the_registry_at_approval(plans: AppClient) -> None:
    units = await tra_vinh(plans)
    body = plan_body(
        scope_unit_id=units["province"]["id"], target_unit_ids=[units["committee"]["id"]]
    )
    draft = await created(plans, PLANS, body)
    assert (draft["target_categories"], draft["resolved_target_unit_ids"]) == (CATEGORIES, [])
    response = await approve(plans, draft, {"approved_on": "2023-01-30"})
    assert response.status_code == 200, response.text
    plan = response.json()
    expected = [
        units["committee"]["id"],
        *by_code(units["home_affairs"], units["justice"]),
        units["water"]["id"],
        *by_code(units["cau_ke"], units["tra_cu_committee"]),
        units["phong_thanh"]["id"],
        units["red_cross"]["id"],
    ]
    assert plan["resolved_target_unit_ids"] == expected
    assert plan["target_unit_ids"] == [units["committee"]["id"]]
    assert plan["approved_at"] == "2023-01-30T00:00:00+07:00"
    assert (await plans.get(f"{PLANS}/{plan['id']}")).json() == plan

    event_type, event = (await staged(plans))[-1]
    assert event_type == "vn.congvu.plans.plan.approved.v1"
    assert event["resolved_target_unit_ids"] == expected
    assert event["target_unit_ids"] == [units["committee"]["id"]]
    assert (event["target_categories"], event["scope_unit_id"]) == (
        CATEGORIES,
        units["province"]["id"],
    )
    assert (event["issued_on"], event["signer"], event["legal_basis"]) == (
        "2023-01-30",
        CHAIRMAN,
        [DIRECTIVE_27],
    )

    # A commune's head sees the plan covers the commune, and nothing of the other targets.
    head = as_(Role.UNIT_HEAD, units["phong_thanh"]["code"])
    seen = (await plans.get(f"{PLANS}/{plan['id']}", auth=head)).json()
    assert (seen["target_unit_ids"], seen["resolved_target_unit_ids"]) == (
        [],
        [units["phong_thanh"]["id"]],
    )
    listed = await plans.get(PLANS, params={"target_unit_id": units["phong_thanh"]["id"]})
    assert [p["id"] for p in listed.json()["items"]] == [plan["id"]]

    # Inspections go to the units the approval settled, and to nothing else.
    team = await created(
        plans,
        "/api/v1/plans/teams",
        create_team_body(decision_date="2023-01-30", valid_from="2023-01-30", valid_to=None),
    )
    checklist = await created(plans, "/api/v1/plans/checklists", create_checklist_body())

    def inspection(target: str) -> dict[str, Any]:
        return create_inspection_body(
            plan_id=plan["id"],
            target_unit_id=units[target]["id"],
            team_id=team["id"],
            checklist_id=checklist["id"],
            kind="periodic",
            window_start="2023-03-01T07:30:00+07:00",
            window_end="2023-03-02T17:00:00+07:00",
        )

    scheduled = await plans.post("/api/v1/plans/inspections", json=inspection("phong_thanh"))
    assert scheduled.status_code == 201, scheduled.text
    outside = await plans.post("/api/v1/plans/inspections", json=inspection("elsewhere"))
    refused(outside, "target_unit_id")


async def test_a_plan_names_what_it_covers(plans: AppClient) -> None:
    refused(await plans.post(PLANS, json=create_plan_body(target_unit_ids=[])), "target_unit_ids")
    refused(await plans.post(PLANS, json=create_plan_body(target_categories=[])), "target_unit_ids")
    draft = await created(plans, PLANS, plan_body())
    path = f"{PLANS}/{draft['id']}"
    etag = (await plans.get(path)).headers["etag"]
    cleared = await plans.patch(path, json={"target_categories": []}, headers={"If-Match": etag})
    refused(cleared, "target_unit_ids")
    unknown = await plans.patch(
        path,
        json={"scope_unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00"},
        headers={"If-Match": etag},
    )
    refused(unknown, "scope_unit_id")

    # Categories need the area they cover: without one the plan stays a draft.
    events = len(await staged(plans))
    response = await approve(plans, draft)
    assert response.status_code == 409, response.text
    assert response.json()["title"] == "Conflict"
    assert "scope_unit_id" in response.json()["detail"]
    # An area where the registry holds no unit of those categories covers nothing: still 409.
    empty = await unit(plans, "Văn phòng Đoàn kiểm tra", "agency", valid_to=None)
    etag = (await plans.get(path)).headers["etag"]
    scoped = await plans.patch(
        path, json={"scope_unit_id": empty["id"]}, headers={"If-Match": etag}
    )
    assert scoped.status_code == 200, scoped.text
    assert (await approve(plans, draft)).status_code == 409
    assert (await plans.get(path)).json()["status"] == "draft"
    assert len(await staged(plans)) == events + 1  # the unit's registration only


async def test_a_plan_records_its_legal_basis_issue_date_and_signer(plans: AppClient) -> None:
    draft = await created(plans, PLANS, plan_body())
    assert (draft["issued_on"], draft["signer"], draft["legal_basis"]) == (
        "2023-01-30",
        CHAIRMAN,
        [DIRECTIVE_27],
    )
    path = f"{PLANS}/{draft['id']}"
    signed = {"position": "Phó Chủ tịch UBND tỉnh Trà Vinh", "full_name": "Nguyễn Văn An"}
    etag = (await plans.get(path)).headers["etag"]
    changed = await plans.patch(path, json={"signer": signed}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert (await plans.get(path)).json()["signer"] == signed
    etag = changed.headers["etag"]
    cleared = await plans.patch(
        path,
        json={"signer": None, "legal_basis": [], "issued_on": None},
        headers={"If-Match": etag},
    )
    assert cleared.status_code == 200, cleared.text
    read = (await plans.get(path)).json()
    assert (read["signer"], read["legal_basis"], read["issued_on"]) == (None, [], None)

    for document_date in ("2022-13", "2022-02-30", "22-02", "2022-2"):
        body = plan_body(legal_basis=[DIRECTIVE_27 | {"issued_on": document_date}])
        refused(await plans.post(PLANS, json=body), "legal_basis", 0, "issued_on")
    later = plan_body(issued_on="2022-01-31", legal_basis=[DIRECTIVE_27])
    refused(await plans.post(PLANS, json=later), "legal_basis", 0, "issued_on")
    # A document known by its month only is not after a plan issued in that month.
    same_month = plan_body(number="Số 2/KH-UBND", issued_on="2022-02-01")
    assert (await plans.post(PLANS, json=same_month)).status_code == 201
    refused(
        await plans.post(PLANS, json=plan_body(signer={"full_name": "An"})), "signer", "position"
    )


async def test_approval_may_record_a_past_date_never_a_future_one(plans: AppClient) -> None:
    target = await unit(plans, "Huyện Trà Cú", "district", valid_to=None)
    named = {"target_unit_ids": [target["id"]], "target_categories": []}
    draft = await created(plans, PLANS, plan_body(**named))
    today = to_vn(utcnow()).date()
    for approved_on in (
        str(today + timedelta(days=1)),
        (utcnow() + timedelta(hours=1)).isoformat(),
        "2023-01-29",  # before the plan was issued
        "2023-01-29T23:30:00+07:00",
        "2023-01-30T10:00:00",  # a time without its offset
        "30/01/2023",
    ):
        refused(await approve(plans, draft, {"approved_on": approved_on}), "approved_on")
    # 17:30 UTC on 29 January is 00:30 on 30 January in Vietnam: the day of issue.
    response = await approve(plans, draft, {"approved_on": "2023-01-29T17:30:00Z"})
    assert response.status_code == 200, response.text
    assert response.json()["approved_at"] == "2023-01-30T00:30:00+07:00"
    assert response.json()["updated_at"][:10] >= str(today - timedelta(days=1))
    _, event = (await staged(plans))[-1]
    assert event["approved_at"].startswith("2023-01-29T17:30:00")

    for body in (None, {}):
        other = await created(plans, PLANS, plan_body(number=f"Số {body}/KH", **named))
        now = await approve(plans, other, body)
        assert now.status_code == 200, now.text
        assert now.json()["approved_at"][:10] >= str(today - timedelta(days=1))


async def test_kind_is_a_real_filter(plans: AppClient) -> None:
    province = await unit(plans, "Huyện Trà Cú", "district", valid_to=None)
    beneath = {"parent_id": province["id"], "valid_to": None}
    water = await unit(plans, "Công ty cấp nước", "agency", kind="state_enterprise", **beneath)
    home_affairs = await unit(plans, "Sở Nội vụ", "agency", kind="department", **beneath)
    listed = await plans.get(UNITS, params={"kind": "state_enterprise"})
    assert [u["id"] for u in listed.json()["items"]] == [water["id"]]
    sub_units = await plans.get(
        f"{UNITS}/{province['id']}/sub-units", params={"kind": "department"}
    )
    assert [u["id"] for u in sub_units.json()["items"]] == [home_affairs["id"]]
    refused_kind = await plans.get(UNITS, params={"kind": "hamlet"})
    assert refused_kind.status_code == 422


async def test_unknown_query_parameters_are_refused_on_every_read(plans: AppClient) -> None:
    province = await unit(plans, "Huyện Trà Cú", "district", valid_to=None)
    draft = await created(plans, PLANS, create_plan_body(target_unit_ids=[province["id"]]))
    for path in (
        UNITS,
        f"{UNITS}/{province['id']}",
        f"{UNITS}/{province['id']}/sub-units",
        "/api/v1/plans/teams",
        "/api/v1/plans/checklists",
        PLANS,
        f"{PLANS}/{draft['id']}",
        "/api/v1/plans/inspections",
    ):
        response = await plans.get(path, params={"colour": "red", "levle": "x"})
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["loc"] for e in response.json()["errors"]] == [
            ["query", "colour"],
            ["query", "levle"],
        ], path
    assert (await plans.get(UNITS, params={"limit": 5, "level": "province"})).status_code == 200
    # A write reads its body; a query beside it (a provincial system's own) is no parameter.
    posted = await plans.post(f"{UNITS}?kiosk=7", json=create_unit_body())
    assert posted.status_code == 201, posted.text


async def test_other_services_refuse_unknown_query_parameters(database: DatabaseFactory) -> None:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as reporting:
        response = await reporting.get("/api/v1/reporting/units", params={"colour": "red"})
        assert response.status_code == 422, response.text
        assert [e["loc"] for e in response.json()["errors"]] == [["query", "colour"]]
        assert (await reporting.get("/api/v1/reporting/units")).status_code == 200
