"""The `gateway` fixture: the gateway app, its lifespan run, and an HTTP client bound to it."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.gateway import gateway_app, started


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    app = gateway_app()
    transport = httpx.ASGITransport(app=app)
    async with (
        started(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as client,
    ):
        yield client
