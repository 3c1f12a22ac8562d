"""The app factory every service uses: errors, request ids, logs, metrics, health, database."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit import db
from servicekit.access import policy_of
from servicekit.audit import AuditSink, refusals_router
from servicekit.config import ServiceSettings
from servicekit.errors import install_problem_handlers
from servicekit.health import ReadinessCheck, health_router
from servicekit.idempotency import IdempotencyMiddleware
from servicekit.logs import configure_logging
from servicekit.metrics import MetricsMiddleware
from servicekit.metrics import router as metrics_router
from servicekit.query import refuse_unknown_query
from servicekit.replays import used_tokens
from servicekit.requestid import RequestIdMiddleware


class Component(Protocol):
    """Something that runs beside the HTTP server for the app's lifetime (the event bus)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ready(self) -> None: ...


ComponentFactory = Callable[[ServiceSettings, async_sessionmaker[AsyncSession]], Component]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    component: ComponentFactory | None = None,
    audit_sink: AuditSink | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    """Build a FastAPI app with the plumbing every CongVu service shares."""
    configure_logging(
        service=settings.service_name, level=settings.log_level, json=settings.log_json
    )
    engine = db.create_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessionmaker = db.create_sessionmaker(engine, event_source=settings.event_source)
    used = used_tokens(settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = component(settings, sessionmaker) if component is not None else None
        app.state.component = running
        if running is not None:
            running.start()
        try:
            yield
        finally:
            if running is not None:
                await running.stop()
            await engine.dispose()
            await used.close()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.settings = settings
    app.state.audit_sink = audit_sink
    app.state.identity_public_key = load_pem_public_key(settings.identity_key_pem().encode())
    app.state.used_tokens = used
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    # Every method of the path in a 405's Allow, from the routes' policy (collected below).
    install_problem_handlers(app, methods_at=lambda path: app.state.policy.methods_of(path))
    app.add_middleware(IdempotencyMiddleware, sessionmaker=sessionmaker)
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    app.add_middleware(RequestIdMiddleware)

    def checks(request: Request) -> dict[str, ReadinessCheck]:
        found: dict[str, ReadinessCheck] = {"database": lambda: db.ping(engine)}
        if settings.redis_url:
            found["redis"] = used.ready
        running: Component | None = request.app.state.component
        if running is not None:
            found["broker"] = running.ready
        return found

    app.include_router(health_router(checks))
    app.include_router(metrics_router)
    app.include_router(refusals_router)
    # Each route declares who may call it; the app refuses to start if one does not.
    app.state.policy = policy_of(routers)
    for router in routers:
        app.include_router(router)
    return app
