"""Run a service's Alembic migrations online, on PostgreSQL or SQLite."""

import asyncio
from datetime import timedelta

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.config import ServiceSettings
from servicekit.sqltypes import UTCDateTime


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


def add_idempotency_leases() -> None:
    """Give Idempotency-Key claims a holder, a lease and the mark of a committed change.

    One step every service's migrations take (`servicekit.idempotency`). A claim already
    there without an answer may or may not have made its change: it keeps its key for the
    24 hours it had, as before, rather than run a second time.
    """
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("effect_committed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    keys = sa.table(
        "idempotency_keys",
        sa.column("status", sa.Integer()),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("lease_until", UTCDateTime(timezone=True)),
    )
    for (created_at,) in op.get_bind().execute(
        sa.select(keys.c.created_at).where(keys.c.status.is_(None)).distinct()
    ):
        op.execute(
            keys.update()
            .where(keys.c.status.is_(None), keys.c.created_at == created_at)
            .values(lease_until=created_at + timedelta(hours=24))
        )


def drop_idempotency_leases() -> None:
    """Undo `add_idempotency_leases`."""

    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("effect_committed")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claim_token")
