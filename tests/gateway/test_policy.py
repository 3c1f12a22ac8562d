"""The gateway routes and refuses by the policy each service states: a new route needs no
change outside its service."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends, FastAPI, Request

from devstack.keys import ensure_keys
from devstack.token import mint_token
from gateway.config import Settings
from gateway.main import create_app
from servicekit.access import Identity, Role, allow
from servicekit.app import create_service_app
from tests.support.gateway import reach
from tests.support.identity import PRIVATE_KEY, PUBLIC_PEM
from visits.config import Settings as VisitsSettings

NOVEL = "/api/v1/visits/novelties"


def visits_with(*routes: str) -> tuple[FastAPI, list[str]]:
    """Return a visits service whose routes are `routes`, each for inspectors, and its calls."""
    calls: list[str] = []
    router = APIRouter(prefix="/api/v1/visits")
    for path in routes:

        async def endpoint(
            caller: Annotated[Identity, Depends(allow(Role.INSPECTOR))], path: str = path
        ) -> dict[str, str]:
            calls.append(path)
            return {"subject": caller.subject}

        name = "visits." + path.rsplit("/", 1)[1]
        router.add_api_route(
            path.removeprefix(router.prefix), endpoint, methods=["GET"], operation_id=name
        )
    settings = VisitsSettings(
        database_url="sqlite+aiosqlite://", identity_public_key=PUBLIC_PEM, log_json=False
    )
    app = create_service_app(settings, title="visits", description="", routers=[router])
    return app, calls


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    ensure_keys(tmp_path)
    return tmp_path


@pytest.fixture
async def gateway(keys: Path) -> AsyncIterator[FastAPI]:
    pem = PRIVATE_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings = Settings(
        identity_private_key=pem,
        oidc_jwks_file=keys / "oidc-jwks.json",
        policy_refresh_s=0.2,
        log_json=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def client(gateway: FastAPI, keys: Path, role: Role) -> httpx.AsyncClient:
    token = mint_token(role, "22", keys_dir=keys)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway),
        base_url="http://gateway",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )


async def test_a_route_a_service_adds_is_forwarded_and_refused_by_its_own_policy(
    gateway: FastAPI, keys: Path
) -> None:
    visits, calls = visits_with(NOVEL)
    reach(gateway, "visits", visits)
    async with (
        visits.router.lifespan_context(visits),
        client(gateway, keys, Role.INSPECTOR) as inspector,
        client(gateway, keys, Role.UNIT_STAFF) as staff,
    ):
        allowed = await inspector.get(NOVEL)
        assert allowed.status_code == 200, allowed.text
        refused = await staff.get(NOVEL)
        assert refused.status_code == 403
        assert calls == [NOVEL], "the gateway refused the staff member itself"
        other_method = await inspector.post(NOVEL)
        assert other_method.status_code == 405
        assert other_method.headers["allow"] == "GET"
        assert (await inspector.get(f"{NOVEL}/more")).status_code == 404


async def test_the_gateway_learns_a_new_route_without_a_restart(
    gateway: FastAPI, keys: Path
) -> None:
    before, _ = visits_with(NOVEL)
    reach(gateway, "visits", before)
    later = "/api/v1/visits/later"
    async with client(gateway, keys, Role.INSPECTOR) as inspector:
        assert (await inspector.get(NOVEL)).status_code == 200
        assert (await inspector.get(later)).status_code == 404
        after, _ = visits_with(NOVEL, later)
        reach(gateway, "visits", after)
        status = 404
        async with asyncio.timeout(5):
            while status == 404:
                await asyncio.sleep(0.05)
                status = (await inspector.get(later)).status_code
        assert status == 200


async def test_a_service_that_never_stated_its_policy_is_503(gateway: FastAPI, keys: Path) -> None:
    # The embedded defaults point at ports nothing listens on in this test.
    async with client(gateway, keys, Role.INSPECTOR) as inspector:
        response = await inspector.get("/api/v1/reporting/units")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_upload_route_takes_the_larger_body_it_states(
    gateway: FastAPI, keys: Path
) -> None:
    router = APIRouter(prefix="/api/v1/visits")
    sizes: list[int] = []

    async def upload(
        request: Request,
        caller: Annotated[Identity, Depends(allow(Role.INSPECTOR, max_body_bytes=3_000_000))],
    ) -> dict[str, int]:
        sizes.append(len(await request.body()))
        return {"size": sizes[-1]}

    router.add_api_route("/uploads", upload, methods=["PUT"], operation_id="visits.upload")
    settings = VisitsSettings(
        database_url="sqlite+aiosqlite://", identity_public_key=PUBLIC_PEM, log_json=False
    )
    visits = create_service_app(settings, title="visits", description="", routers=[router])
    reach(gateway, "visits", visits)
    async with visits.router.lifespan_context(visits), client(gateway, keys, Role.INSPECTOR) as c:
        taken = await c.put("/api/v1/visits/uploads", content=b"x" * 2_000_000)
        assert taken.status_code == 200, taken.text
        assert sizes == [2_000_000]
        too_large = await c.put("/api/v1/visits/uploads", content=b"x" * 3_000_001)
        assert too_large.status_code == 413
    assert sizes == [2_000_000]
