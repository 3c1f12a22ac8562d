"""The unit registry over HTTP: create, read, list, errors; each write leaves an outbox row."""

import unicodedata
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from servicekit.access import Role
from servicekit.pagination import encode_cursor
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_unit_body
from tests.support.identity import AWAY_ID, HOME_ID, as_

NATIONAL = as_(Role.NATIONAL)


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


async def outbox_rows(client: AppClient) -> list[OutboxMessage]:
    async with client.app.state.sessionmaker() as session:
        query = select(OutboxMessage).where(OutboxMessage.topic != AUDIT)
        return list((await session.scalars(query)).all())


async def test_register_unit_returns_201_location_etag_and_stages_event(plans: AppClient) -> None:
    # A province: the Ministry registers those.
    response = await plans.post(
        "/api/v1/plans/units",
        json=create_unit_body(code="22", name="Tỉnh Quảng Ninh", level="province", valid_to=None),
        auth=NATIONAL,
    )
    assert response.status_code == 201
    unit = response.json()
    assert response.headers["location"] == f"/api/v1/plans/units/{unit['id']}"
    assert response.headers["etag"].startswith('"')
    assert unit["created_at"].endswith("+07:00")
    read = await plans.get(response.headers["location"], auth=NATIONAL)
    assert read.status_code == 200
    assert read.json() == unit
    assert read.headers["etag"] == response.headers["etag"]
    rows = await outbox_rows(plans)
    assert [(r.event_type, r.key, r.topic) for r in rows] == [
        ("vn.congvu.plans.unit.registered.v1", unit["id"], "congvu.plans.v1")
    ]
    assert rows[0].headers["ce_id"] == rows[0].event_id
    assert rows[0].headers["ce_source"] == "/congvu/plans"
    assert rows[0].headers["x-request-id"] == response.headers["x-request-id"]


async def test_names_are_stored_nfc_normalised(plans: AppClient) -> None:
    decomposed = unicodedata.normalize("NFD", "Phường Hạ Long")
    response = await plans.post("/api/v1/plans/units", json=create_unit_body(name=decomposed))
    assert response.status_code == 201
    assert response.json()["name"] == unicodedata.normalize("NFC", "Phường Hạ Long")


async def test_duplicate_code_is_409_problem(plans: AppClient) -> None:
    body = create_unit_body()
    assert (await plans.post("/api/v1/plans/units", json=body)).status_code == 201
    again = await plans.post("/api/v1/plans/units", json=body | {"name": "Khác"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["status"] == 409
    assert len(await outbox_rows(plans)) == 1


async def test_invalid_body_is_422_with_field_paths(plans: AppClient) -> None:
    response = await plans.post(
        "/api/v1/plans/units", json={"code": "", "level": "hamlet", "extra": 1}
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    locs = {tuple(e["loc"]) for e in problem["errors"]}
    assert {("body", "code"), ("body", "name"), ("body", "level"), ("body", "extra")} <= locs
    assert problem["instance"] == "/api/v1/plans/units"


async def test_unknown_parent_is_422_on_parent_id(plans: AppClient) -> None:
    response = await plans.post(
        "/api/v1/plans/units", json=create_unit_body(parent_id=str(uuid.uuid4()))
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "parent_id"], "msg": "No unit has this id."}
    ]


async def test_malformed_json_is_422_not_500(plans: AppClient) -> None:
    response = await plans.post(
        "/api/v1/plans/units", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_missing_unit_is_404_problem(plans: AppClient) -> None:
    response = await plans.get(f"/api/v1/plans/units/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"
    assert "No unit has id" in response.json()["detail"]
    assert (await plans.get("/api/v1/plans/units/not-a-uuid")).status_code == 422


async def test_list_pages_with_cursor_and_filters(plans: AppClient) -> None:
    province = (
        await plans.post(
            "/api/v1/plans/units",
            json=create_unit_body(level="province", valid_to=None),
            auth=NATIONAL,
        )
    ).json()
    created = [
        (
            await plans.post(
                "/api/v1/plans/units",
                json=create_unit_body(parent_id=province["id"]),
                auth=NATIONAL,
            )
        ).json()["id"]
        for _ in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "parent_id": province["id"]} | ({"cursor": cursor} if cursor else {})
        page = (await plans.get("/api/v1/plans/units", params=params, auth=NATIONAL)).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created
    by_level = {"level": "province"}
    provinces = (await plans.get("/api/v1/plans/units", params=by_level, auth=NATIONAL)).json()
    assert [u["id"] for u in provinces["items"]] == [str(HOME_ID), str(AWAY_ID), province["id"]]
    # A province's admin sees its own province only.
    mine = (await plans.get("/api/v1/plans/units", params=by_level)).json()
    assert [u["id"] for u in mine["items"]] == [str(HOME_ID)]
    bad = await plans.get("/api/v1/plans/units", params={"cursor": "!!"})
    assert bad.status_code == 422
    assert (await plans.get("/api/v1/plans/units", params={"limit": 501})).status_code == 422


async def test_sorted_pages_follow_the_sort_across_cursors(plans: AppClient) -> None:
    names = ["Xã Đại Đồng", "Huyện Kỳ Sơn", "Phường Hạ Long", "Xã Lạng Khê", "Huyện Con Cuông"]
    for name in names:
        created = await plans.post("/api/v1/plans/units", json=create_unit_body(name=name))
        assert created.status_code == 201
    # Two units with the same name: the id breaks the tie, nothing is skipped or repeated.
    await plans.post("/api/v1/plans/units", json=create_unit_body(name="Huyện Kỳ Sơn"))

    async def walk(sort: str) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, "sort": sort, "parent_id": str(HOME_ID)}
            params |= {"cursor": cursor} if cursor else {}
            page = (await plans.get("/api/v1/plans/units", params=params)).json()
            seen += [u["name"] for u in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                return seen

    everything = [*names, "Huyện Kỳ Sơn"]
    assert await walk("name") == sorted(everything)
    assert await walk("-name") == sorted(everything, reverse=True)
    newest_first = await walk("-created_at")
    assert newest_first[0] == "Huyện Kỳ Sơn"
    assert newest_first[1:] == list(reversed(names))

    first = (await plans.get("/api/v1/plans/units", params={"limit": 2, "sort": "name"})).json()
    mixed = await plans.get(
        "/api/v1/plans/units", params={"cursor": first["next_cursor"], "sort": "-code"}
    )
    assert mixed.status_code == 422
    assert (await plans.get("/api/v1/plans/units", params={"sort": "secret"})).status_code == 422


async def test_tampered_sort_cursors_are_422_not_500(plans: AppClient) -> None:
    await plans.post("/api/v1/plans/units", json=create_unit_body())
    for sort, position in (
        ("created_at", ["created_at", "yesterday", "01a20181-5980-7871-9a7b-8be2518c403b"]),
        (
            "created_at",
            ["created_at", "2026-01-01T00:00:00", "01a20181-5980-7871-9a7b-8be2518c403b"],
        ),
        ("name", ["name", 5, "01a20181-5980-7871-9a7b-8be2518c403b"]),
        ("name", ["name", "a", "not-a-uuid"]),
        ("name", ["name", "a"]),
    ):
        response = await plans.get(
            "/api/v1/plans/units", params={"sort": sort, "cursor": encode_cursor(position)}
        )
        assert response.status_code == 422, position
