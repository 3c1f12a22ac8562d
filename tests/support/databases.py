"""Databases for tests: a fresh SQLite file or PostgreSQL database each, migrated by Alembic."""

import asyncio
import os
import socket
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from servicekit.text import fold

ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT = "127.0.0.1", 5432
SERVICES = ("plans", "visits", "citizen-feedback", "reporting")


def postgres_available() -> bool:
    """Tell whether a PostgreSQL server answers on 127.0.0.1:5432."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_required() -> bool:
    """CI sets CONGVU_REQUIRE_POSTGRES=1: a missing server is then a failure, not a skip."""
    return os.environ.get("CONGVU_REQUIRE_POSTGRES") == "1"


async def create_postgres_database() -> tuple[str, str]:
    """Create an empty database; return its name and SQLAlchemy URL."""
    name = f"congvu_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"


async def drop_postgres_database(name: str) -> None:
    """Drop a test database, closing connections left open."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def migrate_sync(service: str, url: str) -> None:
    """Run the service's Alembic migrations to head on `url`."""
    config = Config(str(ROOT / "services" / service / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


async def migrate(service: str, url: str) -> None:
    """Run migrations in a thread: Alembic's env runs its own event loop."""
    await asyncio.to_thread(migrate_sync, service, url)


async def seed(service: str, url: str) -> None:
    """Register the provinces tests act in (HOME and AWAY) in the service's registry copy.

    As if the plans service had announced them long ago: tests' callers belong to them.
    """
    from eventbus.directory import DirectoryUnit
    from plans.models import Unit
    from reporting.models import UnitScore
    from servicekit.db import create_engine, create_sessionmaker
    from tests.support.identity import AWAY_CODE, AWAY_ID, HOME_CODE, HOME_ID

    engine = create_engine(url)
    at = datetime.now(UTC)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for unit_id, code, name in (
                (HOME_ID, HOME_CODE, "Tỉnh Thử Nghiệm"),
                (AWAY_ID, AWAY_CODE, "Tỉnh Bên Cạnh"),
            ):
                row: object
                if service == "plans":
                    row = Unit(
                        id=unit_id,
                        code=code,
                        name=name,
                        name_search=fold(name),
                        level="province",
                        kind="province",
                        created_at=at,
                    )
                elif service == "reporting":
                    row = UnitScore(
                        unit_id=unit_id, code=code, name=name, level="province", updated_at=at
                    )
                else:
                    row = DirectoryUnit(id=unit_id, code=code, updated_at=at)
                session.add(row)
    finally:
        await engine.dispose()


class Templates:
    """Migrated and seeded databases made once per test process, copied for each test.

    Migrating a database for every test cost most of a database test's time; a copy of one
    migrated (and seeded) once is the same database.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sqlite: dict[str, Path] = {}
        self._postgres: dict[str, str] = {}

    async def sqlite(self, service: str, path: Path) -> str:
        """Write a fresh migrated database for `service` at `path`; return its URL."""
        template = self._sqlite.get(service)
        if template is None:
            # Named apart: two databases of one service asked for at once each make one.
            template = self.directory / f"{service}-{uuid.uuid4().hex[:8]}.db"
            url = f"sqlite+aiosqlite:///{template}"
            await migrate(service, url)
            await seed(service, url)
            template = self._sqlite.setdefault(service, template)
        await asyncio.to_thread(_copy_sqlite, template, path)
        return f"sqlite+aiosqlite:///{path}"

    async def postgres(self, service: str) -> tuple[str, str]:
        """Create a fresh migrated database for `service`; return its name and URL."""
        template = self._postgres.get(service)
        if template is None:
            template, url = await create_postgres_database()
            await migrate(service, url)
            await seed(service, url)
            if self._postgres.setdefault(service, template) != template:
                await drop_postgres_database(template)
                template = self._postgres[service]
        name = f"congvu_test_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", database="postgres"
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        return name, f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    async def drop(self) -> None:
        """Drop the PostgreSQL templates (the SQLite ones go with their folder)."""
        for name in self._postgres.values():
            await drop_postgres_database(name)
        self._postgres.clear()


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
