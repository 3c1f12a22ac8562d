"""The unit registry: official import, search without diacritics, trees, edits with If-Match."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlmodel import func, select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from plans.registry_import import import_official_units
from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.databases import ROOT
from tests.support.factories import NO_BROKER, create_unit_body
from tests.support.identity import AWAY_CODE, HOME_CODE, as_

# Quảng Ninh's admin keeps the staff on roll of its units.
ADMIN = as_(Role.ADMIN, "22")


@pytest.fixture
async def registry(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    """The plans service with the official registry imported, read by the Ministry."""
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.NATIONAL, language="en") as client:
        async with app.state.sessionmaker() as session, session.begin():
            await import_official_units(session)
        yield client


async def events(client: AppClient, event_type: str) -> int:
    async with client.app.state.sessionmaker() as session:
        query = select(func.count()).where(
            OutboxMessage.topic != AUDIT, OutboxMessage.event_type == event_type
        )
        return int(await session.scalar(query) or 0)


async def find(client: AppClient, **params: object) -> list[dict[str, object]]:
    response = await client.get("/api/v1/plans/units", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_import_registers_34_provinces_and_3321_communes_once(registry: AppClient) -> None:
    provinces = [
        p for p in await find(registry, level="province") if p["code"] not in (HOME_CODE, AWAY_CODE)
    ]
    assert len(provinces) == 34
    quang_ninh = next(p for p in provinces if p["code"] == "22")
    assert (quang_ninh["name"], quang_ninh["kind"]) == ("Quảng Ninh", "province")
    # Quảng Ninh was not merged in 2025: it existed before, and its pre-2025 districts fit.
    assert quang_ninh["valid_from"] is None
    vinh_long = next(p for p in provinces if p["code"] == "86")
    assert vinh_long["valid_from"] == "2025-07-01"
    assert await events(registry, "vn.congvu.plans.unit.registered.v1") == 3355

    async with registry.app.state.sessionmaker() as session, session.begin():
        again = await import_official_units(session)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3355)
    assert await events(registry, "vn.congvu.plans.unit.registered.v1") == 3355
    # A province's admin sees its own province and nothing of the 33 others.
    admin = as_(Role.ADMIN, "22")
    mine = await registry.get("/api/v1/plans/units", params={"level": "province"}, auth=admin)
    assert [p["code"] for p in mine.json()["items"]] == ["22"]


async def test_search_ignores_diacritics_and_case(registry: AppClient) -> None:
    for query in ("ha long", "HẠ LONG", "Hạ Long", "  ha   LONG "):
        names = {u["name"] for u in await find(registry, q=query)}
        assert "Phường Hạ Long" in names, query
    assert {u["name"] for u in await find(registry, q="muong long")} >= {"Xã Mường Lống"}
    assert {u["code"] for u in await find(registry, q="dac khu", level="commune")}
    assert await find(registry, q="100%_") == []


async def test_sub_units_of_a_province(registry: AppClient) -> None:
    (quang_ninh,) = await find(registry, code="22")
    response = await registry.get(
        f"/api/v1/plans/units/{quang_ninh['id']}/sub-units", params={"q": "ha long"}
    )
    assert [u["code"] for u in response.json()["items"]] == ["06688"]
    everything = []
    cursor = None
    while True:
        params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        page = (
            await registry.get(f"/api/v1/plans/units/{quang_ninh['id']}/sub-units", params=params)
        ).json()
        everything += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert all(u["parent_id"] == quang_ninh["id"] for u in everything)
    assert quang_ninh["id"] not in {u["id"] for u in everything}
    staff = as_(Role.UNIT_STAFF, "06688")
    outside = await registry.get(f"/api/v1/plans/units/{quang_ninh['id']}/sub-units", auth=staff)
    assert outside.status_code == 404


async def test_pre_2025_districts_merge_into_successors_with_if_match(registry: AppClient) -> None:
    (nghe_an,) = await find(registry, code="40")
    district = (
        await registry.post(
            "/api/v1/plans/units",
            json=create_unit_body(
                code="DEMO-KY-SON", name="Huyện Kỳ Sơn", kind="district", parent_id=nghe_an["id"]
            ),
        )
    ).json()
    (successor,) = await find(registry, q="muong long")
    url = f"/api/v1/plans/units/{district['id']}"
    read = await registry.get(url)
    change = {"successor_id": successor["id"], "valid_to": "2025-06-30"}

    assert (await registry.patch(url, json=change)).status_code == 428
    stale = await registry.patch(url, json=change, headers={"If-Match": '"not-current"'})
    assert stale.status_code == 412
    updated = await registry.patch(url, json=change, headers={"If-Match": read.headers["etag"]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["successor_id"] == successor["id"]
    assert updated.headers["etag"] != read.headers["etag"]
    assert await events(registry, "vn.congvu.plans.unit.changed.v1") == 1
    # The old ETag no longer matches: a second editor's change is refused, not lost.
    late = await registry.patch(
        url, json={"name": "Huyện Kỳ Sơn (cũ)"}, headers={"If-Match": read.headers["etag"]}
    )
    assert late.status_code == 412

    current = updated.headers["etag"]
    beneath = await registry.patch(
        f"/api/v1/plans/units/{nghe_an['id']}",
        json={"parent_id": district["id"]},
        headers={"If-Match": "*"},
    )
    assert beneath.status_code == 422
    backwards = await registry.patch(
        url, json={"valid_from": "2026-01-01"}, headers={"If-Match": current}
    )
    assert backwards.status_code == 422
    refused = await registry.patch(
        url, json={"name": "X"}, headers={"If-Match": current}, auth=as_(Role.INSPECTORATE)
    )
    assert refused.status_code == 403


def test_the_import_command_is_safe_to_rerun(tmp_path: object) -> None:
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/plans.db")
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "services/plans/alembic.ini", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    command = [sys.executable, "-m", "plans.registry_import"]
    first = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    second = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert "3355 registered, 0 updated, 0 unchanged" in first.stdout
    assert "0 registered, 0 updated, 3355 unchanged" in second.stdout


async def test_staff_on_roll_by_category(registry: AppClient) -> None:
    (ward,) = await find(registry, code="06688")
    url = f"/api/v1/plans/units/{ward['id']}/staffing"
    assert (await registry.get(url)).status_code == 404
    on_roll = {"civil_servant": 22, "cadre": 9, "non_professional": 11}
    recorded = await registry.put(url, json={"as_of": "2026-02-23", "on_roll": on_roll}, auth=ADMIN)
    assert recorded.status_code == 200, recorded.text
    read = (await registry.get(url)).json()
    assert (read["on_roll"], read["total"], read["as_of"]) == (on_roll, 42, "2026-02-23")
    replaced = await registry.put(
        url, json={"as_of": "2026-03-01", "on_roll": {"cadre": 10}}, auth=ADMIN
    )
    assert replaced.json()["total"] == 10
    assert (await registry.get(url)).json()["on_roll"] == {"cadre": 10}
    assert await events(registry, "vn.congvu.plans.unit.staffing-recorded.v1") == 2
    for bad in ({"as_of": "2026-03-01", "on_roll": {"soldier": 1}}, {"on_roll": {"cadre": -1}}):
        assert (await registry.put(url, json=bad, auth=ADMIN)).status_code == 422
    head = as_(Role.UNIT_HEAD, "06688")
    assert (await registry.get(url, auth=head)).status_code == 200
    assert (
        await registry.put(url, json={"as_of": "2026-03-01", "on_roll": {}}, auth=head)
    ).status_code == 403
