"""Strict input to plans: unknown fields at any depth, types, blank text, blame, years."""

from collections.abc import AsyncIterator
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
from tests.support.identity import as_
from tests.support.planning import Province, created, prepare, staged


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as client:
        yield client


async def etag(client: AppClient, path: str) -> str:
    return (await client.get(path)).headers["etag"]


def refused(response: httpx.Response, *loc: str | int) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", *loc]]


MEMBER = {"subject": "an", "full_name": "Nguyễn Văn An", "role": "leader"}
CRITERION = {"code": "GIO.1", "title": "Đi làm đúng giờ", "weight": 2}


def _category(**extra: Any) -> dict[str, Any]:
    return {"code": "GIO", "title": "Thời giờ làm việc", "criteria": [CRITERION]} | extra


async def test_unknown_fields_of_team_members_are_refused(plans: AppClient) -> None:
    body = create_team_body(members=[MEMBER | {"nickname": "An"}])
    refused(await plans.post("/api/v1/plans/teams", json=body), "members", 0, "nickname")
    team = await created(plans, "/api/v1/plans/teams", create_team_body())
    path = f"/api/v1/plans/teams/{team['id']}"
    members = [MEMBER, {"subject": "binh", "full_name": "B", "role": "member", "phone": "09"}]
    response = await plans.patch(
        path, json={"members": members}, headers={"If-Match": await etag(plans, path)}
    )
    refused(response, "members", 1, "phone")
    assert [t for t, _ in await staged(plans)] == ["vn.congvu.plans.team.formed.v1"]


async def test_unknown_fields_of_categories_and_criteria_are_refused(plans: AppClient) -> None:
    in_category = create_checklist_body(categories=[_category(colour="red")])
    refused(
        await plans.post("/api/v1/plans/checklists", json=in_category), "categories", 0, "colour"
    )
    in_criterion = create_checklist_body(
        categories=[_category(criteria=[CRITERION | {"score": 3}])]
    )
    refused(
        await plans.post("/api/v1/plans/checklists", json=in_criterion),
        "categories",
        0,
        "criteria",
        0,
        "score",
    )
    checklist = await created(plans, "/api/v1/plans/checklists", create_checklist_body())
    path = f"/api/v1/plans/checklists/{checklist['id']}"
    version = await plans.post(
        f"{path}/versions",
        json={"name": "Bộ tiêu chí", "categories": [_category(colour="red")]},
        headers={"If-Match": await etag(plans, path)},
    )
    refused(version, "categories", 0, "colour")


async def test_unknown_fields_of_a_plans_documents_and_signer_are_refused(
    plans: AppClient,
) -> None:
    document = {
        "number": "Chỉ thị số 27/CT-HU",
        "issued_on": "2022-02-01",
        "issuer": "Huyện ủy Phú Ninh",
        "title": "Về tăng cường kỷ luật",
    }
    body = create_plan_body(legal_basis=[document | {"url": "https://example.vn"}])
    refused(await plans.post("/api/v1/plans/plans", json=body), "legal_basis", 0, "url")
    body = create_plan_body(signer={"position": "Chủ tịch UBND tỉnh", "phone": "0900"})
    refused(await plans.post("/api/v1/plans/plans", json=body), "signer", "phone")
    plan = await created(plans, "/api/v1/plans/plans", create_plan_body())
    path = f"/api/v1/plans/plans/{plan['id']}"
    response = await plans.patch(
        path,
        json={"legal_basis": [document | {"pages": 3}]},
        headers={"If-Match": await etag(plans, path)},
    )
    refused(response, "legal_basis", 0, "pages")


async def test_unknown_fields_of_a_recurrence_are_refused(plans: AppClient) -> None:
    province = await prepare(plans)
    body = province.inspection(
        kind="periodic", recurrence={"frequency": "weekly", "count": 2, "until": "2021-12-31"}
    )
    refused(await plans.post("/api/v1/plans/inspections", json=body), "recurrence", "until")


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/v1/plans/plans", create_plan_body(year=True), ["year"]),
        ("/api/v1/plans/plans", create_plan_body(year=2021.0), ["year"]),
        ("/api/v1/plans/plans", create_plan_body(year="2021"), ["year"]),
        (
            "/api/v1/plans/checklists",
            create_checklist_body(categories=[_category(criteria=[CRITERION | {"weight": True}])]),
            ["categories", 0, "criteria", 0, "weight"],
        ),
        (
            "/api/v1/plans/checklists",
            create_checklist_body(
                categories=[_category(criteria=[CRITERION | {"allow_not_applicable": 1}])]
            ),
            ["categories", 0, "criteria", 0, "allow_not_applicable"],
        ),
        ("/api/v1/plans/teams", create_team_body(decision_date=1610668800), ["decision_date"]),
        ("/api/v1/plans/teams", create_team_body(valid_from="1610668800"), ["valid_from"]),
        ("/api/v1/plans/teams", create_team_body(valid_to="2021-12-31T00:00:00"), ["valid_to"]),
        ("/api/v1/plans/units", create_unit_body(valid_to=1751241600), ["valid_to"]),
    ],
    ids=[
        "year-true",
        "year-float",
        "year-text",
        "weight-true",
        "flag-one",
        "date-number",
        "date-digits",
        "date-time",
        "unit-date-number",
    ],
)
async def test_types_are_strict(
    plans: AppClient, path: str, body: dict[str, Any], loc: list[str | int]
) -> None:
    refused(await plans.post(path, json=body), *loc)


@pytest.mark.parametrize("value", [1613952000, "1613952000", 1613952000.0, True])
async def test_an_integer_is_not_a_time(plans: AppClient, value: Any) -> None:
    province = await prepare(plans)
    for field in ("window_start", "window_end"):
        body = province.inspection(**{field: value})
        refused(await plans.post("/api/v1/plans/inspections", json=body), field)
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    body = {"window_start": value, "window_end": "2021-02-26T17:00:00+07:00", "reason": "Bão"}
    response = await plans.post(
        f"{path}/rescheduling", json=body, headers={"If-Match": await etag(plans, path)}
    )
    refused(response, "window_start")


BLANK = ["   ", "\u3000", "\u200b", "\u200b\u200d\ufeff", " \n\t "]


@pytest.mark.parametrize("value", BLANK, ids=["spaces", "ideographic", "zwsp", "zw", "lines"])
async def test_required_text_that_shows_nothing_is_refused(plans: AppClient, value: str) -> None:
    refused(await plans.post("/api/v1/plans/plans", json=create_plan_body(title=value)), "title")
    refused(await plans.post("/api/v1/plans/plans", json=create_plan_body(number=value)), "number")
    province = await prepare(plans)
    thematic = province.inspection(kind="thematic", topic=value)
    refused(await plans.post("/api/v1/plans/inspections", json=thematic), "topic")
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    headers = {"If-Match": await etag(plans, path)}
    window = {
        "window_start": "2021-02-25T07:30:00+07:00",
        "window_end": "2021-02-26T17:00:00+07:00",
    }
    for action, body in [
        ("rescheduling", window | {"reason": value}),
        ("cancellation", {"reason": value}),
    ]:
        refused(await plans.post(f"{path}/{action}", json=body, headers=headers), "reason")


async def test_subjects_and_codes_are_trimmed(plans: AppClient) -> None:
    body = create_team_body(
        decision_number="  Số 45/QĐ-UBND ", members=[MEMBER | {"subject": " \u3000an\t"}]
    )
    team = await created(plans, "/api/v1/plans/teams", body)
    assert team["decision_number"] == "Số 45/QĐ-UBND"
    assert [m["subject"] for m in team["members"]] == ["an"]
    found = await plans.get("/api/v1/plans/teams", params={"member": " an "})
    assert [t["id"] for t in found.json()["items"]] == [team["id"]]


async def _scheduled(plans: AppClient, province: Province) -> str:
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    return f"/api/v1/plans/inspections/{inspection['id']}"


@pytest.mark.parametrize(
    ("window", "loc"),
    [
        (("2020-12-31T08:00:00+07:00", "2021-01-04T17:00:00+07:00"), "window_start"),
        (("2021-12-30T08:00:00+07:00", "2022-01-03T17:00:00+07:00"), "window_end"),
        (("2021-01-10T08:00:00+07:00", "2021-01-18T17:00:00+07:00"), "window_start"),
        (("2021-12-30T08:00:00+07:00", "2022-01-01T00:00:00+07:00"), "window_end"),
    ],
    ids=["start-before-the-year", "end-after-the-year", "start-before-the-team", "midnight"],
)
async def test_a_rescheduled_window_is_refused_at_the_end_that_is_wrong(
    plans: AppClient, window: tuple[str, str], loc: str
) -> None:
    province = await prepare(plans)  # the team is valid from 2021-01-15 to 2021-12-31
    path = await _scheduled(plans, province)
    body = {"window_start": window[0], "window_end": window[1], "reason": "Bão"}
    response = await plans.post(
        f"{path}/rescheduling", json=body, headers={"If-Match": await etag(plans, path)}
    )
    refused(response, loc)


async def test_a_new_window_outside_the_plan_year_is_refused_at_its_start(
    plans: AppClient,
) -> None:
    province = await prepare(plans)
    body = province.inspection(
        window_start="2020-12-31T16:59:59Z", window_end="2021-02-24T17:00:00+07:00"
    )
    refused(await plans.post("/api/v1/plans/inspections", json=body), "window_start")
    recurring = province.inspection(
        kind="periodic",
        window_start="2020-12-28T08:00:00+07:00",
        window_end="2021-01-20T17:00:00+07:00",
        recurrence={"frequency": "weekly", "count": 2},
    )
    refused(await plans.post("/api/v1/plans/inspections", json=recurring), "window_start")


async def test_a_team_validity_change_is_refused_at_the_date_given(plans: AppClient) -> None:
    team = await created(plans, "/api/v1/plans/teams", create_team_body(valid_to="2021-06-30"))
    path = f"/api/v1/plans/teams/{team['id']}"
    headers = {"If-Match": await etag(plans, path)}
    late_start = await plans.patch(path, json={"valid_from": "2021-07-01"}, headers=headers)
    refused(late_start, "valid_from")
    early_end = await plans.patch(path, json={"valid_to": "2021-01-14"}, headers=headers)
    refused(early_end, "valid_to")
    both = await plans.patch(
        path, json={"valid_from": "2021-07-01", "valid_to": "2021-06-30"}, headers=headers
    )
    refused(both, "valid_to")


async def test_a_unit_validity_change_is_refused_at_the_date_given(plans: AppClient) -> None:
    unit = await created(plans, "/api/v1/plans/units", create_unit_body(valid_to="2025-06-30"))
    path = f"/api/v1/plans/units/{unit['id']}"
    headers = {"If-Match": await etag(plans, path)}
    refused(
        await plans.patch(path, json={"valid_from": "2025-07-01"}, headers=headers), "valid_from"
    )
    refused(
        await plans.patch(
            path, json={"valid_from": "2025-07-01", "valid_to": "2025-06-30"}, headers=headers
        ),
        "valid_to",
    )


async def _plan(plans: AppClient) -> tuple[str, str]:
    unit = await created(plans, "/api/v1/plans/units", create_unit_body(valid_to=None))
    plan = await created(
        plans, "/api/v1/plans/plans", create_plan_body(target_unit_ids=[unit["id"]])
    )
    path = f"/api/v1/plans/plans/{plan['id']}"
    return path, await etag(plans, path)


async def test_an_approval_with_unknown_fields_is_refused(plans: AppClient) -> None:
    path, tag = await _plan(plans)
    response = await plans.post(
        f"{path}/approval", json={"approved_by": "someone.else"}, headers={"If-Match": tag}
    )
    refused(response, "approved_by")
    assert (await plans.get(path)).json()["status"] == "draft"


async def test_a_closure_takes_no_body_or_an_empty_one(plans: AppClient) -> None:
    path, tag = await _plan(plans)
    approval = await plans.post(f"{path}/approval", headers={"If-Match": tag})
    assert approval.status_code == 200, approval.text
    tag = approval.headers["etag"]
    for body in [{"reason": "Hết năm"}, {"closed_at": "2021-12-31T17:00:00+07:00"}]:
        response = await plans.post(f"{path}/closure", json=body, headers={"If-Match": tag})
        refused(response, next(iter(body)))
    for other in [[], "closed", 1]:
        response = await plans.post(f"{path}/closure", json=other, headers={"If-Match": tag})
        assert response.status_code == 422, response.text
    assert (await plans.get(path)).json()["status"] == "approved"
    closed = await plans.post(f"{path}/closure", json={}, headers={"If-Match": tag})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"


async def test_a_closure_without_a_body_still_closes(plans: AppClient) -> None:
    path, tag = await _plan(plans)
    approval = await plans.post(f"{path}/approval", headers={"If-Match": tag})
    closed = await plans.post(f"{path}/closure", headers={"If-Match": approval.headers["etag"]})
    assert closed.status_code == 200, closed.text


@pytest.mark.parametrize(
    "same",
    [
        {"issuer": "ubnd tỉnh nghệ an", "number": "Số 12/KH-UBND"},
        {"issuer": "UBND  tỉnh   Nghệ An", "number": "Số 12/KH-UBND"},
        {"issuer": "UBND tỉnh Nghệ An", "number": "số 12/kh-ubnd"},
        {"issuer": "UBND\u00a0TỈNH Nghệ\u3000An", "number": "Số  12/KH-UBND"},
    ],
    ids=["issuer-case", "issuer-spaces", "number-case", "all"],
)
async def test_plan_numbers_are_unique_whatever_their_case_and_spacing(
    plans: AppClient, same: dict[str, str]
) -> None:
    first = create_plan_body(issuer="UBND tỉnh Nghệ An", number="Số 12/KH-UBND")
    await created(plans, "/api/v1/plans/plans", first)
    again = await plans.post("/api/v1/plans/plans", json=create_plan_body(**same))
    assert again.status_code == 409, again.text
    other_year = await plans.post("/api/v1/plans/plans", json=create_plan_body(**same, year=2022))
    assert other_year.status_code == 201, other_year.text
    other_issuer = create_plan_body(**same | {"issuer": "UBND tỉnh Nghệ Ân"})
    assert (await plans.post("/api/v1/plans/plans", json=other_issuer)).status_code == 201
    path = f"/api/v1/plans/plans/{other_year.json()['id']}"
    moved = await plans.patch(
        path, json={"year": 2021}, headers={"If-Match": await etag(plans, path)}
    )
    assert moved.status_code == 409, moved.text


async def test_a_plan_keeps_its_number_when_only_its_case_changes(plans: AppClient) -> None:
    plan = await created(plans, "/api/v1/plans/plans", create_plan_body(number="Số 12/KH-UBND"))
    path = f"/api/v1/plans/plans/{plan['id']}"
    changed = await plans.patch(
        path, json={"number": "SỐ 12/KH-UBND"}, headers={"If-Match": await etag(plans, path)}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["number"] == "SỐ 12/KH-UBND"


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        ("1999-12-31T23:59:59Z", "2000 to 2100"),
        ("1900-06-01T08:00:00+07:00", "2000 to 2100"),
        ("2101-01-01T00:00:00Z", "2000 to 2100"),
        ("2100-06-01T00:00:00Z", "within 2021"),
    ],
)
async def test_inspection_windows_fall_between_2000_and_2100(
    plans: AppClient, moment: str, message: str
) -> None:
    province = await prepare(plans)
    body = province.inspection(window_start=moment, window_end="2100-12-31T23:59:59Z")
    response = await plans.post("/api/v1/plans/inspections", json=body)
    refused(response, "window_start")
    assert message in response.json()["errors"][0]["msg"]
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    body = {"window_start": moment, "window_end": "2100-12-31T23:59:59Z", "reason": "Bão"}
    response = await plans.post(
        f"{path}/rescheduling", json=body, headers={"If-Match": await etag(plans, path)}
    )
    refused(response, "window_start")
    assert message in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/v1/plans/teams", create_team_body(decision_date="1944-12-31"), "decision_date"),
        ("/api/v1/plans/teams", create_team_body(valid_from="1944-12-31"), "valid_from"),
        ("/api/v1/plans/teams", create_team_body(valid_to="2101-01-01"), "valid_to"),
        ("/api/v1/plans/units", create_unit_body(valid_from="1899-01-01"), "valid_from"),
        ("/api/v1/plans/units", create_unit_body(valid_to="2101-01-01"), "valid_to"),
    ],
)
async def test_record_dates_fall_between_1945_and_2100(
    plans: AppClient, path: str, body: dict[str, Any], loc: str
) -> None:
    refused(await plans.post(path, json=body), loc)


async def test_record_dates_may_go_back_to_1945(plans: AppClient) -> None:
    team = create_team_body(decision_date="1945-09-02", valid_from="1945-09-02")
    assert (await plans.post("/api/v1/plans/teams", json=team)).status_code == 201
    unit = create_unit_body(valid_from="1945-09-02", valid_to="2100-12-31")
    response = await plans.post("/api/v1/plans/units", json=unit)
    assert response.status_code == 201, response.text
    staffing = await plans.put(
        f"/api/v1/plans/units/{response.json()['id']}/staffing",
        json={"as_of": "1944-12-31", "on_roll": {"cadre": 1}},
        headers={"If-Match": response.headers["etag"]},
    )
    refused(staffing, "as_of")


async def test_a_date_filter_takes_any_plausible_date(plans: AppClient) -> None:
    listed = await plans.get("/api/v1/plans/teams", params={"active_on": "1900-01-01"})
    assert listed.status_code == 200, listed.text
    for value in ["1899-12-31", "2201-01-01", "1610668800"]:
        response = await plans.get(
            "/api/v1/plans/teams", params={"active_on": value}, auth=as_(Role.INSPECTORATE)
        )
        assert response.status_code == 422, response.text
        assert [e["loc"] for e in response.json()["errors"]] == [["query", "active_on"]]
