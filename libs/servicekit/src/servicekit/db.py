"""Async database engine and the request-scoped session that owns the transaction."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from servicekit.audit import AuditSink, record_for
from servicekit.idempotency import mark_effect

# Where a session keeps the CloudEvents `source` of the events staged in it (eventbus.outbox).
EVENT_SOURCE = "congvu_event_source"


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Create an engine for PostgreSQL (asyncpg) or SQLite (aiosqlite), chosen by the URL."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=pool_size, pool_pre_ping=True)


def create_sessionmaker(
    engine: AsyncEngine, *, event_source: str | None = None
) -> async_sessionmaker[AsyncSession]:
    """Return the session factory every request and consumer uses.

    Events staged in its sessions come from `event_source` (a service's `/congvu/<name>`).
    """
    info = {EVENT_SOURCE: event_source} if event_source is not None else {}
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


async def ping(engine: AsyncEngine) -> None:
    """Run a trivial query; raises when the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    sink: AuditSink | None = request.app.state.audit_sink
    try:
        async with sessionmaker() as session, session.begin():
            yield session
            # The change and the mark on its Idempotency-Key claim commit together.
            await mark_effect(session, request.scope)
            if sink is not None and (record := record_for(request, error=None)):
                sink(session, record)
    except Exception as error:
        # The change rolled back; the attempt is still recorded, on its own.
        if sink is not None and (record := record_for(request, error=error)):
            async with sessionmaker() as session, session.begin():
                sink(session, record)
        raise


# scope="function": the transaction commits before the response is sent, so a 2xx
# always means the state change and its outbox row are durable.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
