"""Citizen ratings over HTTP."""

import uuid
from collections.abc import AsyncIterator

import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.identity import as_


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def test_submit_and_read_rating(feedback: AppClient) -> None:
    body = create_rating_body(str(uuid.uuid4()), comment="Cán bộ hướng dẫn tận tình")
    response = await feedback.post("/api/v1/citizen-feedback/ratings", json=body)
    assert response.status_code == 201
    rating = response.json()
    assert rating["comment"] == "Cán bộ hướng dẫn tận tình"
    assert rating["submitted_at"].endswith("+07:00")
    read = await feedback.get(response.headers["location"], auth=as_(Role.INSPECTORATE))
    assert read.json() == rating
    # Ratings may carry personal data: the citizen's own public caller cannot read them back.
    assert (await feedback.get(response.headers["location"])).status_code == 403


@pytest.mark.parametrize("score", [0, 6, "năm"])
async def test_score_out_of_range_is_422(feedback: AppClient, score: object) -> None:
    response = await feedback.post(
        "/api/v1/citizen-feedback/ratings", json=create_rating_body(str(uuid.uuid4()), score=score)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "score"]


async def test_overlong_comment_is_422(feedback: AppClient) -> None:
    body = create_rating_body(str(uuid.uuid4()), comment="x" * 2001)
    response = await feedback.post("/api/v1/citizen-feedback/ratings", json=body)
    assert response.status_code == 422
