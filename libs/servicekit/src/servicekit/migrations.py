"""Run a service's Alembic migrations online, on PostgreSQL or SQLite."""

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.config import ServiceSettings


def _run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run, metadata)
        await connection.commit()
    await engine.dispose()


def run_migrations(metadata: MetaData, settings: ServiceSettings) -> None:
    """Migrate the database named by `sqlalchemy.url` in the Alembic config, else by settings."""
    url = context.config.get_main_option("sqlalchemy.url") or settings.database_url
    sqlite_file = ServiceSettings(database_url=url).sqlite_path()
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(_run_async(url, metadata))
