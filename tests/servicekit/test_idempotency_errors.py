"""Idempotency-Key when its own storage fails: a problem+json 500, like any other error."""

from sqlalchemy import text

from tests.conftest import DatabaseFactory
from tests.support.apps import build_app, serve
from tests.support.factories import NO_BROKER, create_unit_body


async def test_a_failing_key_store_answers_problem_json(database: DatabaseFactory) -> None:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app) as plans:
        async with app.state.sessionmaker() as session, session.begin():
            await session.execute(text("DROP TABLE idempotency_keys"))
        response = await plans.post(
            "/api/v1/plans/units", json=create_unit_body(), headers={"Idempotency-Key": "k-1"}
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Đã xảy ra lỗi ngoài dự kiến."
    assert "x-request-id" in response.headers
