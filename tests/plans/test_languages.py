"""The plans service's problems: in Vietnamese by default, in English when the caller asks."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_plan_body, create_unit_body
from tests.support.planning import created

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app) as client:  # no Accept-Language: Vietnamese
        yield client


def problem_of(response: httpx.Response, status: int, language: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == language
    problem: dict[str, Any] = response.json()
    return problem


async def test_a_missing_unit_is_not_found_in_either_language(plans: AppClient) -> None:
    unit_id = uuid.uuid4()
    path = f"/api/v1/plans/units/{unit_id}"
    vietnamese = problem_of(await plans.get(path), 404, "vi")
    english = problem_of(await plans.get(path, headers=ENGLISH), 404, "en")
    assert (vietnamese["title"], vietnamese["detail"]) == (
        "Không tìm thấy",
        f"Không có đơn vị nào có mã định danh {unit_id}.",
    )
    assert (english["title"], english["detail"]) == ("Not Found", f"No unit has id {unit_id}.")


async def test_a_plan_number_taken_is_a_conflict_in_either_language(plans: AppClient) -> None:
    body = create_plan_body(number="Số 12/KH-UBND", issuer="UBND tỉnh Nghệ An", year=2021)
    await created(plans, "/api/v1/plans/plans", body)
    vietnamese = problem_of(await plans.post("/api/v1/plans/plans", json=body), 409, "vi")
    english = problem_of(
        await plans.post("/api/v1/plans/plans", json=body, headers=ENGLISH), 409, "en"
    )
    assert (vietnamese["title"], vietnamese["detail"]) == (
        "Xung đột dữ liệu",
        "UBND tỉnh Nghệ An đã có kế hoạch 'Số 12/KH-UBND' trong năm 2021.",
    )
    assert (english["title"], english["detail"]) == (
        "Conflict",
        "UBND tỉnh Nghệ An already has plan 'Số 12/KH-UBND' in 2021.",
    )


async def test_a_field_the_registry_refuses_is_named_in_either_language(plans: AppClient) -> None:
    body = create_unit_body(valid_from="2025-07-01", valid_to="2025-06-30")
    vietnamese = problem_of(await plans.post("/api/v1/plans/units", json=body), 422, "vi")
    english = problem_of(
        await plans.post("/api/v1/plans/units", json=body, headers=ENGLISH), 422, "en"
    )
    assert vietnamese["title"] == "Dữ liệu không hợp lệ"
    assert vietnamese["detail"] == "body.valid_to: valid_to sớm hơn valid_from."
    assert vietnamese["errors"] == [
        {"loc": ["body", "valid_to"], "msg": "valid_to sớm hơn valid_from."}
    ]
    assert english["title"] == "Unprocessable Content"
    assert english["errors"] == [
        {"loc": ["body", "valid_to"], "msg": "valid_to is before valid_from."}
    ]


async def test_a_stale_plan_and_an_approval_out_of_range_say_so_in_vietnamese(
    plans: AppClient,
) -> None:
    plan = await created(plans, "/api/v1/plans/plans", create_plan_body())
    path = f"/api/v1/plans/plans/{plan['id']}"
    stale = await plans.patch(path, json={"title": "Sửa"}, headers={"If-Match": '"old"'})
    assert problem_of(stale, 412, "vi")["detail"] == (
        "Kế hoạch đã thay đổi từ khi bạn đọc; hãy đọc lại."
    )
    etag = (await plans.get(path)).headers["etag"]
    # A day before the records start: the day's own error, its bounds filled in.
    early = await plans.post(
        f"{path}/approval", json={"approved_on": "1900-01-30"}, headers={"If-Match": etag}
    )
    assert problem_of(early, 422, "vi")["errors"] == [
        {"loc": ["body", "approved_on"], "msg": "Ngày phải thuộc các năm từ 1945 đến 2100"}
    ]
    early_en = await plans.post(
        f"{path}/approval", json={"approved_on": "1900-01-30"}, headers={"If-Match": etag} | ENGLISH
    )
    assert problem_of(early_en, 422, "en")["errors"] == [
        {"loc": ["body", "approved_on"], "msg": "Date should be in the years 1945 to 2100"}
    ]
