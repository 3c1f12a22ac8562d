"""The visit record's migration: visits already there survive it, and it can be undone."""

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.access import Role
from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import build_app, serve
from tests.support.databases import ROOT
from tests.support.factories import NO_BROKER
from tests.support.identity import HOME_ID

VISIT_RECORD = "0006_visit_record"
VISITS = sa.table(
    "visits",
    sa.column("id", sa.Uuid()),
    sa.column("unit_id", sa.Uuid()),
    sa.column("started_at", UTCDateTime()),
    sa.column("surprise", sa.Boolean()),
    sa.column("note", sa.Text()),
    sa.column("status", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


def _config(url: str) -> Config:
    config = Config(str(ROOT / "services" / "visits" / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def alembic(url: str, verb: str, revision: str) -> None:
    await asyncio.to_thread(getattr(command, verb), _config(url), revision)


def before_record(url: str) -> str:
    before = ScriptDirectory.from_config(_config(url)).get_revision(VISIT_RECORD).down_revision
    assert isinstance(before, str)
    return before


async def test_a_visit_started_before_the_record_reads_after_it(
    database: DatabaseFactory,
) -> None:
    url = await database("visits")
    await alembic(url, "downgrade", before_record(url))
    visit_id = uuid.uuid4()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                VISITS.insert().values(
                    id=visit_id,
                    unit_id=HOME_ID,
                    started_at=datetime(2021, 2, 22, 9, 15, tzinfo=UTC),
                    surprise=True,
                    note="Kiểm tra đột xuất",
                    status="started",
                    created_at=utcnow(),
                )
            )
    finally:
        await engine.dispose()
    await alembic(url, "upgrade", "head")
    app = build_app("visits", database_url=url, bootstrap=NO_BROKER)
    async with serve(app, Role.INSPECTORATE, language="en") as visits:
        response = await visits.get(f"/api/v1/visits/visits/{visit_id}")
    assert response.status_code == 200, response.text
    visit = response.json()
    assert (visit["version"], visit["status"], visit["started_by"]) == (1, "started", None)
    assert visit["attendance"]["records"] == []
    assert visit["started_at"] == "2021-02-22T16:15:00+07:00"


async def test_the_record_downgrades_and_upgrades_again(database: DatabaseFactory) -> None:
    url = await database("visits")
    await alembic(url, "downgrade", before_record(url))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in sa.inspect(c).get_columns("visits")}
            )
    finally:
        await engine.dispose()
    assert not tables & {"visit_attendance", "visit_violations", "inspection_directory"}
    assert "digest" not in columns
    await alembic(url, "upgrade", "head")
