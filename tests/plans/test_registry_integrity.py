"""The unit registry cannot contradict itself: levels, kinds, validity, successors, schedules."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.access import Role
from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.databases import ROOT
from tests.support.factories import NO_BROKER, create_unit_body
from tests.support.identity import AWAY_ID, HOME_ID, as_
from tests.support.planning import created, prepare, staged

UNITS = "/api/v1/plans/units"


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


# The Ministry keeps the registry: these rules hold for its writes as for a province's.
NATIONAL = as_(Role.NATIONAL)


async def register(plans: AppClient, **fields: Any) -> dict[str, Any]:
    """Register a unit: by default a pre-2025 district of HOME closed on 30 June 2025."""
    response = await plans.post(UNITS, json=create_unit_body(**fields), auth=NATIONAL)
    assert response.status_code == 201, response.text
    unit: dict[str, Any] = response.json()
    return unit


async def patch(plans: AppClient, unit: dict[str, Any], change: dict[str, Any]) -> httpx.Response:
    path = f"{UNITS}/{unit['id']}"
    etag = (await plans.get(path, auth=NATIONAL)).headers["etag"]
    return await plans.patch(path, json=change, headers={"If-Match": etag}, auth=NATIONAL)


def refused(response: httpx.Response, *loc: str | int) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", *loc]]


async def test_successors_cannot_go_round_in_a_circle(plans: AppClient) -> None:
    a, b, c = [await register(plans) for _ in range(3)]
    assert (await patch(plans, a, {"successor_id": b["id"]})).status_code == 200
    assert (await patch(plans, b, {"successor_id": c["id"]})).status_code == 200
    refused(await patch(plans, c, {"successor_id": a["id"]}), "successor_id")
    refused(await patch(plans, c, {"successor_ids": [b["id"]]}), "successor_ids", 0)
    refused(await patch(plans, b, {"successor_ids": [a["id"]]}), "successor_ids", 0)
    refused(await patch(plans, c, {"successor_id": c["id"]}), "successor_id")
    # Taking over from two units that took over from nobody is no circle.
    d = await register(plans)
    assert (await patch(plans, c, {"successor_ids": [d["id"]]})).status_code == 200
    assert (await plans.get(f"{UNITS}/{c['id']}")).json()["successor_ids"] == [d["id"]]


async def test_only_a_closed_unit_names_successors(plans: AppClient) -> None:
    successor = await register(plans, level="commune", valid_from="2025-07-01", valid_to=None)
    open_unit = await register(plans, valid_to=None)
    refused(await patch(plans, open_unit, {"successor_id": successor["id"]}), "successor_id")
    body = create_unit_body(valid_to=None, successor_ids=[successor["id"]])
    refused(await plans.post(UNITS, json=body), "successor_ids")
    # Closing and naming the successor in one change is how a merger is recorded.
    merged = await patch(
        plans, open_unit, {"valid_to": "2025-06-30", "successor_id": successor["id"]}
    )
    assert merged.status_code == 200, merged.text
    refused(await patch(plans, open_unit, {"valid_to": None}), "valid_to")
    reopened = await patch(plans, open_unit, {"valid_to": None, "successor_ids": []})
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["successor_ids"], reopened.json()["successor_id"]) == ([], None)


async def test_a_parent_is_above_its_child(plans: AppClient) -> None:
    province = await register(plans, level="province", kind="province", valid_to=None)
    commune = await register(
        plans, level="commune", kind="commune", parent_id=province["id"], valid_to=None
    )
    for level in ("province", "district", "commune"):
        body = create_unit_body(level=level, parent_id=commune["id"], valid_to=None)
        refused(await plans.post(UNITS, json=body), "parent_id")
    committee = await register(
        plans,
        level="agency",
        kind="peoples_committee",
        name="UBND xã Mường Lống",
        parent_id=commune["id"],
        valid_to=None,
    )
    await register(
        plans, level="office", kind="one_stop_centre", parent_id=committee["id"], valid_to=None
    )
    refused(await plans.post(UNITS, json=create_unit_body(parent_id=committee["id"])), "parent_id")
    other = await register(plans, level="province", valid_to=None)
    refused(await patch(plans, other, {"parent_id": commune["id"]}), "parent_id")
    refused(await patch(plans, other, {"parent_id": province["id"]}), "parent_id")


async def test_a_kind_exists_at_its_level_only(plans: AppClient) -> None:
    province = await register(plans, level="province", kind="province", valid_to=None)
    commune = await register(
        plans, level="commune", kind="ward", parent_id=province["id"], valid_to=None
    )
    for level, kind in (
        ("commune", "state_enterprise"),
        ("agency", "ward"),
        ("office", "province"),
    ):
        body = create_unit_body(level=level, kind=kind, parent_id=province["id"], valid_to=None)
        refused(await plans.post(UNITS, json=body), "kind")
    enterprise = await register(
        plans, level="agency", kind="state_enterprise", parent_id=province["id"], valid_to=None
    )
    refused(await patch(plans, commune, {"kind": "state_enterprise"}), "kind")
    refused(await patch(plans, enterprise, {"kind": "commune"}), "kind")
    assert (await patch(plans, commune, {"kind": "special_zone"})).status_code == 200


async def test_a_unit_is_valid_only_while_its_parent_is(plans: AppClient) -> None:
    old = await register(plans, level="province", valid_from="2004-01-01", valid_to="2025-06-30")
    for dates, loc in (
        ({"valid_from": "2004-01-01", "valid_to": None}, "parent_id"),
        ({"valid_from": "2004-01-01", "valid_to": "2026-01-01"}, "parent_id"),
        ({"valid_from": None, "valid_to": "2025-06-30"}, "parent_id"),
        ({"valid_from": "1990-01-01", "valid_to": "2025-06-30"}, "parent_id"),
    ):
        refused(await plans.post(UNITS, json=create_unit_body(parent_id=old["id"], **dates)), loc)
    district = await register(
        plans, parent_id=old["id"], valid_from="2004-01-01", valid_to="2025-06-30"
    )
    # The district's own dates, once beneath its province, are held to the province's.
    refused(await patch(plans, district, {"valid_to": "2025-12-31"}), "valid_to")
    refused(await patch(plans, district, {"valid_from": "2003-12-31"}), "valid_from")
    new = await register(plans, level="province", valid_from="2025-07-01", valid_to=None)
    refused(await patch(plans, district, {"parent_id": new["id"]}), "parent_id")
    # Nor can the province shrink to leave its district outside.
    for change in ({"valid_to": "2020-12-31"}, {"valid_from": "2010-01-01"}):
        response = await patch(plans, old, change)
        assert response.status_code == 409, response.text
        assert "beneath this one" in response.json()["detail"]
        assert district["code"] in response.json()["detail"]
    assert (await patch(plans, old, {"valid_from": None})).status_code == 200


async def test_a_unit_does_not_close_while_inspections_of_it_stay_scheduled(
    plans: AppClient,
) -> None:
    province = await prepare(plans)
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    events = len(await staged(plans))
    # The inspection runs from 22 to 24 February 2021, Vietnam time.
    for change in ({"valid_to": "2021-02-23"}, {"valid_from": "2021-02-23"}):
        response = await patch(plans, province.district, change)
        assert response.status_code == 409, response.text
        assert "stay scheduled" in response.json()["detail"]
        assert inspection["id"] in response.json()["detail"]
    assert len(await staged(plans)) == events
    assert (await patch(plans, province.district, {"valid_to": "2021-02-24"})).status_code == 200
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    etag = (await plans.get(path)).headers["etag"]
    cancelled = await plans.post(
        f"{path}/cancellation", json={"reason": "Đơn vị giải thể"}, headers={"If-Match": etag}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (await patch(plans, province.district, {"valid_to": "2021-02-23"})).status_code == 200


async def test_a_split_names_several_successors(plans: AppClient) -> None:
    province = await register(plans, level="province", valid_to=None)
    district = await register(plans, parent_id=province["id"])
    communes = [
        await register(
            plans,
            level="commune",
            parent_id=province["id"],
            valid_from="2025-07-01",
            valid_to=None,
        )
        for _ in range(2)
    ]
    ids = [c["id"] for c in communes]
    split = await patch(plans, district, {"successor_ids": ids})
    assert split.status_code == 200, split.text
    assert (split.json()["successor_ids"], split.json()["successor_id"]) == (ids, None)
    assert (await plans.get(f"{UNITS}/{district['id']}", auth=NATIONAL)).json()[
        "successor_ids"
    ] == ids
    event_type, payload = (await staged(plans))[-1]
    assert event_type == "vn.congvu.plans.unit.changed.v1"
    assert (payload["successor_ids"], payload["successor_id"]) == (ids, None)

    merged = await patch(plans, district, {"successor_id": ids[0]})
    assert (merged.json()["successor_ids"], merged.json()["successor_id"]) == ([ids[0]], ids[0])
    assert (await staged(plans))[-1][1]["successor_id"] == ids[0]
    both = await patch(plans, district, {"successor_id": ids[0], "successor_ids": ids})
    refused(both, "successor_ids")
    unknown = await patch(plans, district, {"successor_ids": [ids[0], str(uuid.uuid4())]})
    refused(unknown, "successor_ids", 1)

    # A unit entered after it closed names its successors when it is registered.
    entered = await register(plans, parent_id=province["id"], successor_ids=ids)
    assert entered["successor_ids"] == ids
    event_type, payload = (await staged(plans))[-1]
    assert (event_type, payload["successor_ids"]) == ("vn.congvu.plans.unit.registered.v1", ids)


UNITS_TABLE = sa.table(
    "units",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("name_search", sa.String()),
    sa.column("level", sa.String()),
    sa.column("valid_to", sa.Date()),
    sa.column("created_at", UTCDateTime()),
    sa.column("successor_id", sa.Uuid()),
    sa.column("successor_ids", sa.JSON()),
)


async def alembic(url: str, verb: str, revision: str) -> None:
    config = Config(str(ROOT / "services" / "plans" / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    await asyncio.to_thread(getattr(command, verb), config, revision)


async def test_upgrading_keeps_each_single_successor(database: DatabaseFactory) -> None:
    url = await database("plans")
    await alembic(url, "downgrade", "0006")
    district, commune, lone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_async_engine(url)
    table = UNITS_TABLE
    try:
        async with engine.begin() as connection:
            for unit_id, successor in ((commune, None), (district, commune), (lone, None)):
                await connection.execute(
                    table.insert().values(
                        id=unit_id,
                        code=unit_id.hex[:12],
                        name="Huyện Kỳ Sơn",
                        name_search="huyen ky son",
                        level="district",
                        created_at=utcnow(),
                        successor_id=successor,
                    )
                )
        await alembic(url, "upgrade", "head")
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(table.c.id, table.c.successor_ids))
            upgraded = {unit_id: successors for unit_id, successors in rows}
        await alembic(url, "downgrade", "0006")
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(table.c.id, table.c.successor_id))
            downgraded = {unit_id: successor for unit_id, successor in rows}
    finally:
        await engine.dispose()
    seeded = {HOME_ID: [], AWAY_ID: []}
    assert upgraded == {district: [str(commune)], commune: [], lone: []} | seeded
    assert downgraded == {district: commune, commune: None, lone: None} | dict.fromkeys(seeded)
