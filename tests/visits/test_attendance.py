"""Attendance per office: counts that add up, compared with the staffing plans recorded."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_attendance_body, create_headcount
from tests.support.planning import staged
from tests.visits.known import Planned, announce_staffing, plan

VISITS = "/api/v1/visits/visits"
# Kỳ Sơn: 9 offices, 40 civil servants, 27 present and 13 absent with reason.
KY_SON = [
    ("Văn phòng HĐND và UBND", 6, {"business_trip": 2}),
    ("Phòng Nội vụ", 5, {"leave": 1, "business_trip": 1}),
    ("Phòng Tư pháp", 5, {"study": 1}),
    ("Phòng Tài chính - Kế hoạch", 4, {"sick": 1}),
    ("Phòng Kinh tế và Hạ tầng", 4, {"business_trip": 1}),
    ("Phòng Tài nguyên và Môi trường", 4, {"business_trip": 2}),
    ("Phòng Giáo dục và Đào tạo", 4, {"leave": 1}),
    ("Phòng Lao động - Thương binh và Xã hội", 4, {"business_trip": 1, "other": 1}),
    ("Phòng Văn hóa và Thông tin", 4, {"leave": 1}),
]


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app)


async def started(visits: AppClient, planned: Planned) -> str:
    response = await visits.post(VISITS, json=planned.visit(), auth=planned.leader)
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def put(
    visits: AppClient, planned: Planned, visit_id: str, record_id: str, body: dict[str, Any]
) -> httpx.Response:
    path = f"{VISITS}/{visit_id}/attendance-records/{record_id}"
    return await visits.put(path, json=body, auth=planned.member)


async def test_ky_son_adds_up_and_matches_its_staffing(visits: AppClient, planned: Planned) -> None:
    await announce_staffing(visits.app, planned.district, {"civil_servant": 40})
    visit_id = await started(visits, planned)
    for office, on_roll, absent in KY_SON:
        present = on_roll - sum(absent.values())
        headcount = create_headcount(on_roll, present=present, absent_with_reason=absent)
        body = create_attendance_body(office_name=office, headcounts={"civil_servant": headcount})
        response = await put(visits, planned, visit_id, str(uuid.uuid4()), body)
        assert response.status_code == 201, response.text
    attendance = (await visits.get(f"{VISITS}/{visit_id}", auth=planned.leader)).json()[
        "attendance"
    ]
    assert len(attendance["records"]) == 9
    total = attendance["total"]
    assert (total["on_roll"], total["present"]) == (40, 27)
    assert sum(total["absent_with_reason"].values()) == 13
    assert total["absent_with_reason"] == {
        "business_trip": 7,
        "leave": 3,
        "other": 1,
        "sick": 1,
        "study": 1,
    }
    assert attendance["staffing"] == {
        "as_of": "2021-01-01",
        "recorded": {"civil_servant": 40},
        "counted": {"civil_servant": 40},
        "difference": {},
        "differs": False,
    }


async def test_lang_khe_differs_from_its_staffing(visits: AppClient, planned: Planned) -> None:
    # 20 cadres and civil servants, 5 absent with reason; the registry has 26 on its roll.
    await announce_staffing(
        visits.app,
        planned.district,
        {"cadre": 9, "civil_servant": 12, "non_professional": 5},
    )
    visit_id = await started(visits, planned)
    body = create_attendance_body(
        office_name="UBND xã Lạng Khê",
        headcounts={
            "cadre": create_headcount(9, present=7, absent_with_reason={"business_trip": 2}),
            "civil_servant": create_headcount(11, present=8, absent_with_reason={"leave": 3}),
        },
    )
    response = await put(visits, planned, visit_id, str(uuid.uuid4()), body)
    assert response.status_code == 201, response.text
    assert response.json()["total"]["on_roll"] == 20
    assert sum(response.json()["total"]["absent_with_reason"].values()) == 5
    staffing = (await visits.get(f"{VISITS}/{visit_id}", auth=planned.leader)).json()["attendance"][
        "staffing"
    ]
    assert staffing["differs"] is True
    assert staffing["difference"] == {"civil_servant": -1, "non_professional": -5}


async def test_without_staffing_there_is_nothing_to_compare(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await started(visits, planned)
    await put(visits, planned, visit_id, str(uuid.uuid4()), create_attendance_body())
    read = (await visits.get(f"{VISITS}/{visit_id}", auth=planned.leader)).json()
    assert read["attendance"]["staffing"] is None


async def test_counts_that_do_not_add_up_are_refused_field_by_field(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await started(visits, planned)
    body = create_attendance_body(
        headcounts={
            "civil_servant": create_headcount(5, present=3, absent_with_reason={"leave": 1}),
            "cadre": create_headcount(4, present=2, absent_without_reason=2, late=3),
            "contract": create_headcount(2, present=1, absent_without_reason=2, late=2),
        }
    )
    response = await put(visits, planned, visit_id, str(uuid.uuid4()), body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "loc": ["body", "headcounts", "civil_servant", "on_roll"],
            "msg": "On roll is 5, but present and absent add up to 4.",
        },
        {
            "loc": ["body", "headcounts", "cadre", "late"],
            "msg": "3 late is more than the 2 present.",
        },
        {
            "loc": ["body", "headcounts", "contract", "on_roll"],
            "msg": "On roll is 2, but present and absent add up to 3.",
        },
        {
            "loc": ["body", "headcounts", "contract", "late"],
            "msg": "2 late is more than the 1 present.",
        },
    ]
    vietnamese = await visits.put(
        f"{VISITS}/{visit_id}/attendance-records/{uuid.uuid4()}",
        json=body,
        headers={"Accept-Language": "vi"},
        auth=planned.member,
    )
    assert vietnamese.json()["errors"][1]["msg"] == "Số đi muộn (3) nhiều hơn số có mặt (2)."
    assert [e for e, _ in await staged(visits)] == ["vn.congvu.visits.visit.started.v1"]


async def test_an_office_is_the_visited_unit_or_beneath(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await started(visits, planned)
    elsewhere = await plan(visits.app)
    outside = create_attendance_body(office_unit_id=str(elsewhere.office))
    response = await put(visits, planned, visit_id, str(uuid.uuid4()), outside)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "office_unit_id"]]
    inside = create_attendance_body(office_unit_id=str(planned.office))
    response = await put(visits, planned, visit_id, str(uuid.uuid4()), inside)
    assert response.status_code == 201, response.text


async def test_versions_make_offline_sync_idempotent(visits: AppClient, planned: Planned) -> None:
    visit_id = await started(visits, planned)
    record_id = str(uuid.uuid4())
    first = await put(visits, planned, visit_id, record_id, create_attendance_body())
    assert first.status_code == 201, first.text
    assert first.headers["location"].endswith(f"/attendance-records/{record_id}")
    again = await put(visits, planned, visit_id, record_id, create_attendance_body())
    assert again.status_code == 200
    assert again.json() == first.json()
    other = create_attendance_body(headcounts={"civil_servant": create_headcount(5)})
    assert (await put(visits, planned, visit_id, record_id, other)).status_code == 409
    later = other | {"version": 3}
    replaced = await put(visits, planned, visit_id, record_id, later)
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["version"], replaced.json()["total"]["present"]) == (3, 5)
    older = create_attendance_body(version=2)
    assert (await put(visits, planned, visit_id, record_id, older)).status_code == 409
    events = [p for e, p in await staged(visits) if e.endswith("attendance-recorded.v1")]
    assert [(p["record_id"], p["version"]) for p in events] == [(record_id, 1), (record_id, 3)]
    assert "personal" not in str(events)


async def test_one_record_per_office(visits: AppClient, planned: Planned) -> None:
    visit_id = await started(visits, planned)
    await put(visits, planned, visit_id, str(uuid.uuid4()), create_attendance_body())
    same_office = create_attendance_body(office_name="  phòng   NỘI VỤ ")
    response = await put(visits, planned, visit_id, str(uuid.uuid4()), same_office)
    assert response.status_code == 409, response.text
