"""Upgrading a reporting database gives the scorecards already there their roll-ups."""

import asyncio
import uuid

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.databases import ROOT
from tests.support.identity import AWAY_ID, HOME_ID

OWN = ("visits_started", "inspections_started", "ratings_count", "ratings_score_sum")
SCORES = sa.table(
    "unit_scores",
    sa.column("unit_id", sa.Uuid()),
    sa.column("parent_id", sa.Uuid()),
    sa.column("updated_at", UTCDateTime()),
    *(sa.column(name, sa.Integer()) for name in OWN),
    *(sa.column(f"total_{name}", sa.Integer()) for name in OWN),
)


async def alembic(url: str, verb: str, revision: str) -> None:
    config = Config(str(ROOT / "services" / "reporting" / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    await asyncio.to_thread(getattr(command, verb), config, revision)


async def test_upgrade_rolls_up_the_figures_reporting_already_has(
    database: DatabaseFactory,
) -> None:
    url = await database("reporting")
    await alembic(url, "downgrade", "0005")
    province, district, commune, orphan, unknown = (uuid.uuid4() for _ in range(5))
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for unit_id, parent_id, own in (
                (province, None, (0, 0, 0, 0)),
                (district, province, (1, 1, 0, 0)),
                (commune, district, (1, 0, 2, 9)),
                # Its parent's registration had not arrived.
                (orphan, unknown, (3, 0, 0, 0)),
            ):
                await connection.execute(
                    SCORES.insert().values(
                        unit_id=unit_id,
                        parent_id=parent_id,
                        updated_at=utcnow(),
                        **dict(zip(OWN, own, strict=True)),
                    )
                )
        await alembic(url, "upgrade", "head")
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(SCORES.c.unit_id, *(SCORES.c[f"total_{name}"] for name in OWN))
            )
            totals = {unit_id: tuple(figures) for unit_id, *figures in rows}
    finally:
        await engine.dispose()
    assert totals == {
        province: (2, 1, 2, 9),
        district: (2, 1, 2, 9),
        commune: (1, 0, 2, 9),
        orphan: (3, 0, 0, 0),
        unknown: (3, 0, 0, 0),
        # The provinces every test database has (`tests.support.databases.seed`): no figures.
        HOME_ID: (0, 0, 0, 0),
        AWAY_ID: (0, 0, 0, 0),
    }
