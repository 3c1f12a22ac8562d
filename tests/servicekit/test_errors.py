"""Every error is problem+json with the request id, unexpected ones included."""

from fastapi import APIRouter

from servicekit.app import create_service_app
from servicekit.config import ServiceSettings
from tests.support.apps import serve
from tests.support.identity import PUBLIC_PEM

router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


async def test_unhandled_error_is_a_500_problem_with_request_id(tmp_path: object) -> None:
    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db",
        log_json=False,
        identity_public_key=PUBLIC_PEM,
    )
    app = create_service_app(settings, title="t", description="t", routers=[router])
    async with serve(app) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-42"})
        english = await client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-42"
    assert "secret internals" not in response.text
    assert response.json()["title"] == "Lỗi hệ thống"
    assert response.json()["detail"] == "Đã xảy ra lỗi ngoài dự kiến."
    assert english.json()["title"] == "Internal Server Error"
    assert english.json()["detail"] == "An unexpected error occurred."


async def test_unknown_route_is_a_404_problem(tmp_path: object) -> None:
    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db",
        log_json=False,
        identity_public_key=PUBLIC_PEM,
    )
    app = create_service_app(settings, title="t", description="t", routers=[])
    async with serve(app) as client:
        response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["status"] == 404
