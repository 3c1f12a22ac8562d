"""Strict input to the citizen-feedback service: unknown fields and strict types refused."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_rating_body

RATINGS = "/api/v1/citizen-feedback/ratings"


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def rate(feedback: AppClient, **fields: Any) -> httpx.Response:
    unit_id = str(await announce_unit(feedback.app, code="22"))
    return await feedback.post(RATINGS, json=create_rating_body(unit_id, **fields))


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]


@pytest.mark.parametrize(
    ("field", "value"),
    [("score", True), ("score", 4.0), ("score", "5"), ("service", 5), ("dossier_code", 1)],
)
async def test_types_are_strict(feedback: AppClient, field: str, value: Any) -> None:
    refused(await rate(feedback, **{field: value}), field)


@pytest.mark.parametrize("field", ["rater", "submitted_at"])
async def test_unknown_fields_are_refused(feedback: AppClient, field: str) -> None:
    refused(await rate(feedback, **{field: "official"}), field)


async def test_a_comment_that_shows_nothing_is_stored_empty(feedback: AppClient) -> None:
    response = await rate(feedback, comment="\u200b \u200d")
    assert response.status_code == 201, response.text
    assert response.json()["comment"] == ""
    assert response.json()["submitted_at"].endswith("+07:00")
