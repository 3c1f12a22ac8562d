"""The gateway's app: `uvicorn --factory gateway.main:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from gateway import openapi, proxy
from gateway.authn import BearerVerifier, SignatureVerifier
from gateway.config import Settings
from gateway.limits import CircuitBreaker, RateLimiter
from gateway.policy import Policies
from gateway.refusals import RefusalReporter
from gateway.state import GatewayState
from gateway.stores import create_store
from gateway.upstream import upstream_client
from servicekit.errors import install_problem_handlers
from servicekit.headerlimit import header_limited
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
    identity_key = load_pem_private_key(settings.identity_key_pem(), password=None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(
            settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s
        )
        # Idle connections go before uvicorn's 5 s keep-alive closes them under a request.
        limits = httpx.Limits(max_connections=100, keepalive_expiry=4)
        clients = {
            name: upstream_client(base_url=url, timeout=timeout, limits=limits)
            for name, url in settings.upstreams().items()
        }
        oidc_http = httpx.AsyncClient(timeout=timeout)
        store = create_store(settings.redis_url)
        app.state.gateway = GatewayState(
            settings=settings,
            clients=clients,
            store=store,
            bearer=BearerVerifier(settings, oidc_http),
            signatures=SignatureVerifier(settings, store),
            limiter=RateLimiter(store),
            identity_key=identity_key,
            refusals=RefusalReporter(
                clients=clients,
                identity_key=identity_key,
                store=store,
                window_s=settings.refusal_report_window_s,
            ),
            policies=Policies(clients, refresh_s=settings.policy_refresh_s),
            breakers={
                name: CircuitBreaker(settings.breaker_failures, settings.breaker_open_s)
                for name in clients
            },
        )
        try:
            yield
        finally:
            await app.state.gateway.refusals.close()
            await app.state.gateway.policies.close()
            for client in [*clients.values(), oidc_http]:
                await client.aclose()
            await store.close()

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
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=proxy.METHODS,
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
            max_age=600,
        )

    def checks(request: Request) -> dict[str, ReadinessCheck]:
        state: GatewayState = request.app.state.gateway
        return {name: _upstream_check(c) for name, c in state.clients.items()}

    # Forwarding first, as plain routes: nearly every request is forwarded, and each included
    # router ahead of it would be matched first (and FastAPI matches an included one twice).
    app.router.routes[:0] = proxy.router.routes
    app.include_router(health_router(checks))
    app.include_router(metrics_router)
    app.include_router(openapi.router)
    return app


def server_options() -> dict[str, Any]:
    """Return how uvicorn reads the gateway's requests (`servicekit.serve`)."""
    settings = Settings()
    return {
        "http": header_limited(settings.max_header_bytes),
        # Only the ingress's X-Forwarded-For is believed (right-most address it did not add);
        # with FORWARDED_ALLOW_IPS empty, the client address is the connection's.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
