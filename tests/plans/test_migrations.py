"""Upgrading a plans database gives the plans already there their number keys."""

import asyncio

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine
from uuid6 import uuid7

from servicekit.access import Role
from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import build_app, serve
from tests.support.databases import ROOT
from tests.support.factories import NO_BROKER, create_plan_body
from tests.support.identity import HOME_ID

NUMBER_KEY = "0009_plan_number_key"
PLANS = sa.table(
    "inspection_plans",
    sa.column("id", sa.Uuid()),
    *(sa.column(name, sa.String()) for name in ("number", "title", "issuer", "kind", "status")),
    sa.column("created_by", sa.String()),
    sa.column("year", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
    sa.column("number_key", sa.Text()),
    sa.column("province_id", sa.Uuid()),
)
TARGETS = sa.table(
    "plan_targets",
    sa.column("plan_id", sa.Uuid()),
    sa.column("unit_id", sa.Uuid()),
    sa.column("rank", sa.Integer()),
)


def _config(url: str) -> Config:
    config = Config(str(ROOT / "services" / "plans" / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def alembic(url: str, verb: str, revision: str) -> None:
    await asyncio.to_thread(getattr(command, verb), _config(url), revision)


async def test_upgrade_keys_the_plans_already_there(database: DatabaseFactory) -> None:
    url = await database("plans")
    before = ScriptDirectory.from_config(_config(url)).get_revision(NUMBER_KEY).down_revision
    assert isinstance(before, str)
    await alembic(url, "downgrade", before)
    # Recorded before the rule: the same number twice, in another case and spacing.
    ids = [uuid7() for _ in range(3)]
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for plan_id, issuer, number in zip(
                ids,
                ["UBND tỉnh Nghệ An", "ubnd  TỈNH Nghệ An", "Sở Nội vụ"],
                ["Số 12/KH-UBND", "số 12/kh-ubnd", "Số 12/KH-UBND"],
                strict=True,
            ):
                await connection.execute(
                    PLANS.insert().values(
                        id=plan_id,
                        number=number,
                        title="Kế hoạch",
                        issuer=issuer,
                        year=2021,
                        kind="annual",
                        status="approved",
                        created_by="an",
                        created_at=utcnow(),
                    )
                )
                # Each covers a unit of HOME: upgrading places the plan in that province.
                await connection.execute(
                    TARGETS.insert().values(plan_id=plan_id, unit_id=HOME_ID, rank=0)
                )
        await alembic(url, "upgrade", "head")
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(PLANS.c.id, PLANS.c.number_key))
            keys = dict(rows.all())
            rows = await connection.execute(sa.select(PLANS.c.province_id))
            provinces = set(rows.scalars())
    finally:
        await engine.dispose()
    assert provinces == {HOME_ID}
    assert keys == {
        ids[0]: "ubnd tỉnh nghệ an\nsố 12/kh-ubnd",
        ids[1]: f"ubnd tỉnh nghệ an\nsố 12/kh-ubnd\n{ids[1]}",
        ids[2]: "sở nội vụ\nsố 12/kh-ubnd",
    }
    app = build_app("plans", database_url=url, bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as plans:
        body = create_plan_body(issuer="UBND TỈNH NGHỆ AN", number="Số 12/KH-UBND", year=2021)
        assert (await plans.post("/api/v1/plans/plans", json=body)).status_code == 409
        listed = await plans.get("/api/v1/plans/plans", params={"year": 2021})
        assert len(listed.json()["items"]) == 3


async def test_downgrade_restores_the_exact_constraint(database: DatabaseFactory) -> None:
    url = await database("plans")
    before = ScriptDirectory.from_config(_config(url)).get_revision(NUMBER_KEY).down_revision
    assert isinstance(before, str)
    await alembic(url, "downgrade", before)
    plan = {
        "number": "Số 1",
        "title": "Kế hoạch",
        "issuer": "UBND",
        "year": 2021,
        "kind": "annual",
        "status": "draft",
        "created_by": "an",
    }
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(PLANS.insert().values(id=uuid7(), created_at=utcnow(), **plan))
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(
                    PLANS.insert().values(id=uuid7(), created_at=utcnow(), **plan)
                )
    finally:
        await engine.dispose()
    await alembic(url, "upgrade", "head")
