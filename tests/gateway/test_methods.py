"""A method the API lacks at a path it has is 405 with every method of that path in `Allow`."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.gateway import service_policy

# Fixed ids: parameters must be the same in every test worker.
UNIT = "/api/v1/plans/units/0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", UNIT, "GET, PATCH"),
        ("DELETE", UNIT, "GET, PATCH"),
        ("POST", f"{UNIT}/staffing", "GET, PUT"),
        ("DELETE", "/api/v1/plans/units", "GET, POST"),
        ("PUT", "/api/v1/citizen-feedback/ratings", "POST"),
        ("OPTIONS", f"{UNIT}/sub-units", "GET"),
        ("HEAD", "/api/v1/plans/plans", "GET, POST"),
        ("TRACE", "/api/v1/plans/plans/0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01", "DELETE, GET, PATCH"),
    ],
)
async def test_the_gateway_lists_the_methods_of_the_path(
    gateway: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await gateway.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/plans/nothing-here"),
        ("GET", "/api/v1/plans/units/1/unknown"),
        ("OPTIONS", "/api/v1/no-such-service/units"),
        ("PUT", "/api/v1/plans/units/%2e%2e"),
    ],
)
async def test_unknown_paths_stay_404(gateway: httpx.AsyncClient, method: str, path: str) -> None:
    response = await gateway.request(method, path)
    assert response.status_code == 404
    assert "allow" not in response.headers


def test_methods_of_a_path_come_from_the_policy() -> None:
    policy = service_policy()
    for operation in policy:
        concrete = operation.path.replace("{", "x").replace("}", "")
        assert operation.method in policy.methods_of(concrete)
    assert policy.methods_of("/api/v1/plans/units/x/staffing") == ["GET", "PUT"]
    assert policy.methods_of("/api/v1/plans/units/x/y") == []


@pytest.fixture
async def plans(tmp_path: object) -> AsyncIterator[AppClient]:
    app = build_app(
        "plans", database_url=f"sqlite+aiosqlite:///{tmp_path}/p.db", bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def test_a_service_lists_every_method_of_the_path_too(plans: AppClient) -> None:
    response = await plans.put(UNIT)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"
    assert response.headers["content-type"] == "application/problem+json"
