"""The gateway app for tests: signing identities with the tests' key, reached over ASGI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import httpx
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from gateway.config import Settings
from gateway.main import create_app
from gateway.state import GatewayState
from servicekit.access import Policy
from tests.support.apps import FACTORIES, build_app
from tests.support.factories import NO_BROKER
from tests.support.identity import PRIVATE_KEY


def gateway_app() -> FastAPI:
    """Return a gateway that signs identity tokens the services under test accept."""
    pem = PRIVATE_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return create_app(Settings(identity_private_key=pem, log_json=False))


@cache
def service_apps() -> dict[str, FastAPI]:
    """Return one app of each service, never started: they answer for their OpenAPI document.

    That is how the gateway learns each service's policy; requests that need a database or
    broker go to apps the test starts itself.
    """
    return {
        name: build_app(name, database_url="sqlite+aiosqlite://", bootstrap=NO_BROKER)
        for name in FACTORIES
    }


def service_policy() -> Policy:
    """Return the policy of every service together, as the routes declare it."""
    return Policy(op for app in service_apps().values() for op in app.state.policy)


def reach(gateway: FastAPI, service: str, app: FastAPI) -> None:
    """Point a started gateway's upstream for `service` at `app`, in this event loop."""
    state: GatewayState = gateway.state.gateway
    state.clients[service] = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{service}"
    )


@asynccontextmanager
async def started(gateway: FastAPI) -> AsyncIterator[FastAPI]:
    """Run the gateway's lifespan with every upstream an unstarted app of its service."""
    async with gateway.router.lifespan_context(gateway):
        state: GatewayState = gateway.state.gateway
        for name, app in service_apps().items():
            await state.clients[name].aclose()
            reach(gateway, name, app)
        try:
            yield gateway
        finally:
            for client in state.clients.values():
                await client.aclose()
