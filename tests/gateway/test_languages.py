"""The gateway's own problems follow Accept-Language, and it hands the header on to services."""

import uuid
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from gateway.proxy import _forward_headers
from tests.conftest import DatabaseFactory
from tests.support.apps import build_app
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.gateway import gateway_app

EN = {"Accept-Language": "en-US,en;q=0.9,vi;q=0.5"}


def problem_of(response: httpx.Response, language: str) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == language
    assert "Accept-Language" in response.headers["vary"]
    body: dict[str, Any] = response.json()
    return body


async def test_signing_in_is_asked_for_in_vietnamese(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/plans/units")
    assert response.status_code == 401
    problem = problem_of(response, "vi")
    assert problem["title"] == "Chưa xác thực"
    assert problem["detail"] == "Hãy đăng nhập để làm việc này."


async def test_signing_in_is_asked_for_in_english(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/plans/units", headers=EN)
    problem = problem_of(response, "en")
    assert problem["title"] == "Unauthorized"
    assert problem["detail"] == "Sign in to do this."


@pytest.mark.parametrize(
    ("headers", "language", "title", "detail"),
    [
        ({}, "vi", "Chưa xác thực", "Authorization phải có dạng 'Bearer <token>'."),
        (EN, "en", "Unauthorized", "Authorization must be 'Bearer <token>'."),
    ],
)
async def test_a_malformed_credential_is_refused_in_the_callers_language(
    gateway: httpx.AsyncClient, headers: dict[str, str], language: str, title: str, detail: str
) -> None:
    response = await gateway.get(
        "/api/v1/plans/units", headers={"Authorization": "Basic eDp5", **headers}
    )
    problem = problem_of(response, language)
    assert (problem["title"], problem["detail"]) == (title, detail)


@pytest.mark.parametrize(
    ("headers", "language", "title", "detail"),
    [
        ({}, "vi", "Không tìm thấy", "Không có tài nguyên này."),
        ({"Accept-Language": "en"}, "en", "Not Found", "No such resource."),
        (
            {"Accept-Language": "fr-FR, fr;q=0.9"},
            "vi",
            "Không tìm thấy",
            "Không có tài nguyên này.",
        ),
    ],
)
async def test_an_unknown_route_is_404_in_the_callers_language(
    gateway: httpx.AsyncClient, headers: dict[str, str], language: str, title: str, detail: str
) -> None:
    response = await gateway.get("/api/v1/plans/nothing-here", headers=headers)
    assert response.status_code == 404
    problem = problem_of(response, language)
    assert (problem["title"], problem["detail"]) == (title, detail)


async def test_a_wrong_method_is_405_in_both_languages(gateway: httpx.AsyncClient) -> None:
    path = "/api/v1/citizen-feedback/ratings"
    vietnamese = problem_of(await gateway.put(path), "vi")
    english = problem_of(await gateway.put(path, headers=EN), "en")
    assert vietnamese["title"] == "Phương thức không được hỗ trợ"
    assert vietnamese["detail"] == "Tài nguyên này chỉ nhận các phương thức POST."
    assert english["title"] == "Method Not Allowed"
    assert english["detail"] == "This resource answers POST only."


def test_accept_language_is_forwarded() -> None:
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/api/v1/plans/units",
            "raw_path": b"/api/v1/plans/units",
            "query_string": b"",
            "headers": [(b"host", b"gateway"), (b"accept-language", b"en-US,en;q=0.9")],
            "client": ("198.51.100.1", 50000),
        }
    )
    forwarded = dict(_forward_headers(request, "token"))
    assert forwarded[b"accept-language"] == b"en-US,en;q=0.9"


@pytest.mark.parametrize(
    ("headers", "language", "msg"),
    [
        ({}, "vi", "Không có đơn vị nào trong danh mục có mã định danh này."),
        (EN, "en", "No registered unit has this id."),
    ],
)
async def test_a_service_answers_in_the_language_the_caller_asked_the_gateway(
    database: DatabaseFactory, headers: dict[str, str], language: str, msg: str
) -> None:
    feedback = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    app = gateway_app()
    async with (
        feedback.router.lifespan_context(feedback),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway"
        ) as client,
    ):
        service = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=feedback), base_url="http://citizen-feedback"
        )
        state = app.state.gateway
        await state.clients["citizen-feedback"].aclose()
        state.clients["citizen-feedback"] = service
        response = await client.post(
            "/api/v1/citizen-feedback/ratings",
            json=create_rating_body(str(uuid.uuid4())),
            headers=headers,
        )
    assert response.status_code == 422
    problem = problem_of(response, language)
    assert problem["title"] == (
        "Dữ liệu không hợp lệ" if language == "vi" else "Unprocessable Content"
    )
    assert problem["errors"] == [{"loc": ["body", "unit_id"], "msg": msg}]
