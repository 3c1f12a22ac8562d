"""The gateway's app: `uvicorn --factory gateway.main:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

from gateway import openapi, proxy
from gateway.config import Settings
from servicekit.errors import install_problem_handlers
from servicekit.health import ReadinessCheck, health_router
from servicekit.logs import configure_logging
from servicekit.metrics import MetricsMiddleware
from servicekit.metrics import router as metrics_router
from servicekit.requestid import RequestIdMiddleware


def _upstream_check(client: httpx.AsyncClient) -> ReadinessCheck:
    async def check() -> None:
        (await client.get("/healthz")).raise_for_status()

    return check


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway app."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, level=settings.log_level, json=settings.log_json
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(
            settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s
        )
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        app.state.clients = {
            name: httpx.AsyncClient(
                base_url=url,
                timeout=timeout,
                # Retry only failed connects: nothing reached the service, so any method is safe.
                transport=httpx.AsyncHTTPTransport(retries=1, limits=limits),
            )
            for name, url in settings.upstreams().items()
        }
        try:
            yield
        finally:
            for client in app.state.clients.values():
                await client.aclose()

    app = FastAPI(
        title=openapi.TITLE,
        description=openapi.DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url="/gateway/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    app.add_middleware(RequestIdMiddleware)

    def checks(request: Request) -> dict[str, ReadinessCheck]:
        return {name: _upstream_check(c) for name, c in request.app.state.clients.items()}

    app.include_router(health_router(checks))
    app.include_router(metrics_router)
    app.include_router(openapi.router)
    app.include_router(proxy.router)
    return app
