"""Checklist templates: versions are immutable, publishing makes a new one, the default ships."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from plans.checklists.defaults import DEFAULT_CHECKLIST_ID, install_default_checklist
from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_checklist_body
from tests.support.identity import AWAY_CODE, HOME_CODE, HOME_ID, as_
from tests.support.planning import staged

V2_CATEGORIES = [
    {
        "code": "GIO",
        "title": "Thời giờ làm việc",
        "criteria": [
            {"code": "GIO.1", "title": "Đi làm đúng giờ", "weight": 3},
            {"code": "GIO.2", "title": "Không bỏ vị trí", "allow_not_applicable": True},
        ],
    }
]


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.INSPECTORATE, language="en") as client:
        yield client


async def test_publishing_makes_a_new_version_and_keeps_the_old(plans: AppClient) -> None:
    created = await plans.post("/api/v1/plans/checklists", json=create_checklist_body())
    assert created.status_code == 201
    checklist = created.json()
    assert checklist["current_version"] == 1
    assert checklist["current"]["published_by"].startswith("inspectorate-")
    location = created.headers["location"]

    body = {"name": "Bộ tiêu chí thử", "categories": V2_CATEGORIES, "note": "Thêm GIO.2"}
    assert (await plans.post(f"{location}/versions", json=body)).status_code == 428
    published = await plans.post(
        f"{location}/versions", json=body, headers={"If-Match": created.headers["etag"]}
    )
    assert published.status_code == 201, published.text
    assert published.headers["location"] == f"{location}/versions/2"
    assert published.json()["version"] == 2
    assert published.headers["etag"] == (await plans.get(f"{location}/versions/2")).headers["etag"]
    assert published.json()["categories"] == [
        {
            "code": "GIO",
            "title": "Thời giờ làm việc",
            "criteria": [
                {
                    "code": "GIO.1",
                    "title": "Đi làm đúng giờ",
                    "legal_basis": None,
                    "weight": 3,
                    "allow_not_applicable": False,
                },
                {
                    "code": "GIO.2",
                    "title": "Không bỏ vị trí",
                    "legal_basis": None,
                    "weight": 1,
                    "allow_not_applicable": True,
                },
            ],
        }
    ]
    again = await plans.post(
        f"{location}/versions", json=body, headers={"If-Match": created.headers["etag"]}
    )
    assert again.status_code == 412

    first = await plans.get(f"{location}/versions/1", auth=as_(Role.UNIT_STAFF, HOME_CODE))
    assert first.status_code == 200
    assert first.json() == checklist["current"]
    assert (await plans.get(f"{location}/versions/3")).status_code == 404
    current = await plans.get(location)
    assert current.json()["current_version"] == 2
    events = await staged(plans)
    assert [(t, p["version"]) for t, p in events] == [
        ("vn.congvu.plans.checklist.version-published.v1", 1),
        ("vn.congvu.plans.checklist.version-published.v1", 2),
    ]
    assert events[1][1]["categories"][0]["criteria"][1]["code"] == "GIO.2"


async def test_codes_are_unique_within_a_version(plans: AppClient) -> None:
    criteria = [{"code": "A.1", "title": "Một"}, {"code": "A.1", "title": "Hai"}]
    body = create_checklist_body(categories=[{"code": "A", "title": "A", "criteria": criteria}])
    response = await plans.post("/api/v1/plans/checklists", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "categories", 0, "criteria", 1, "code"]


async def test_weight_out_of_range_is_422_with_path(plans: AppClient) -> None:
    criteria = [{"code": "A.1", "title": "Một", "weight": 0}]
    body = create_checklist_body(categories=[{"code": "A", "title": "A", "criteria": criteria}])
    response = await plans.post("/api/v1/plans/checklists", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "categories", 0, "criteria", 0, "weight"]


async def test_unit_users_read_checklists_but_cannot_write(plans: AppClient) -> None:
    created = await plans.post("/api/v1/plans/checklists", json=create_checklist_body())
    head = as_(Role.UNIT_HEAD, HOME_CODE)
    assert (await plans.get(created.headers["location"], auth=head)).status_code == 200
    refused = await plans.post("/api/v1/plans/checklists", json=create_checklist_body(), auth=head)
    assert refused.status_code == 403


async def test_a_province_keeps_its_checklists_and_shares_the_ministrys(plans: AppClient) -> None:
    mine = await plans.post("/api/v1/plans/checklists", json=create_checklist_body())
    assert mine.json()["province_id"] == str(HOME_ID)
    away = as_(Role.INSPECTORATE, AWAY_CODE)
    assert (await plans.get(mine.headers["location"], auth=away)).status_code == 404
    assert (await plans.get(f"{mine.headers['location']}/versions/1", auth=away)).status_code == 404
    listed = await plans.get("/api/v1/plans/checklists", auth=away)
    assert mine.json()["id"] not in {c["id"] for c in listed.json()["items"]}
    national = await plans.get(mine.headers["location"], auth=as_(Role.NATIONAL))
    assert national.status_code == 200

    # The Ministry's checklist (no province): every province reads it, none changes it.
    async with plans.app.state.sessionmaker() as session, session.begin():
        await install_default_checklist(session)
    shared = f"/api/v1/plans/checklists/{DEFAULT_CHECKLIST_ID}"
    for who in (away, as_(Role.INSPECTORATE)):
        read = await plans.get(shared, auth=who)
        assert read.status_code == 200
        assert read.json()["province_id"] is None
        body = create_checklist_body()
        changed = await plans.post(
            f"{shared}/versions", json=body, headers={"If-Match": read.headers["etag"]}, auth=who
        )
        assert changed.status_code == 403, changed.text


def install(database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "plans.checklists.defaults"]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


async def test_the_default_checklist_installs_once_and_covers_the_seeds(
    database: DatabaseFactory,
) -> None:
    url = await database("plans")
    assert install(url).strip() == "default checklist installed"
    assert install(url).strip() == "default checklist already present"
    app = build_app("plans", database_url=url, bootstrap=NO_BROKER)
    async with serve(app, Role.UNIT_STAFF, language="en") as plans:
        plans.auth = as_(Role.UNIT_STAFF, HOME_CODE)
        response = await plans.get(f"/api/v1/plans/checklists/{DEFAULT_CHECKLIST_ID}")
        assert response.status_code == 200
        current = response.json()["current"]
        titles = " | ".join(c["title"] for c in current["categories"]).lower()
        for topic in (
            "thời giờ",
            "rượu",
            "một cửa",
            "hồ sơ",
            "tiếp công dân",
            "chỉ thị",
            "văn hóa",
        ):
            assert topic in titles
        criteria = [c for category in current["categories"] for c in category["criteria"]]
        texts = " ".join(c["title"].lower() for c in criteria)
        for detail in (
            "thẻ",
            "trang phục",
            "lịch trực",
            "camera",
            "đánh giá",
            "sổ",
            "xin lỗi",
            "nghỉ trưa",
            "hàng quán",
        ):
            assert detail in texts, detail
        assert all(c["weight"] >= 1 for c in criteria)
        assert any(c["allow_not_applicable"] for c in criteria)
        assert len(await staged(plans)) == 1
