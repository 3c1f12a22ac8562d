"""Province tenancy of ratings: another province's people read none of HOME's ratings."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.identity import AWAY_CODE, AWAY_ID, HOME_ID, as_

RATINGS = "/api/v1/citizen-feedback/ratings"
READERS = (Role.ADMIN, Role.INSPECTORATE)


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def rated_in(feedback: AppClient, province_id: uuid.UUID) -> dict[str, Any]:
    """Have a citizen rate a ward of a district of the province; return the rating."""
    district = await announce_unit(
        feedback.app, code=f"D{uuid.uuid4().hex[:8]}", parent_id=province_id
    )
    ward = await announce_unit(feedback.app, code=f"W{uuid.uuid4().hex[:8]}", parent_id=district)
    response = await feedback.post(RATINGS, json=create_rating_body(str(ward)))
    assert response.status_code == 201, response.text
    rating: dict[str, Any] = response.json()
    return rating


async def test_another_province_reads_none_of_homes_ratings(feedback: AppClient) -> None:
    rating = await rated_in(feedback, HOME_ID)
    location = f"{RATINGS}/{rating['id']}"
    for role in READERS:
        read = await feedback.get(location, auth=as_(role, AWAY_CODE))
        # As if the rating did not exist.
        assert read.status_code == 404, role
        assert read.headers["content-type"] == "application/problem+json"
        # HOME's own admin and inspectorate read it.
        assert (await feedback.get(location, auth=as_(role))).json() == rating, role


async def test_home_reads_none_of_another_provinces_ratings(feedback: AppClient) -> None:
    rating = await rated_in(feedback, AWAY_ID)
    location = f"{RATINGS}/{rating['id']}"
    for role in READERS:
        assert (await feedback.get(location, auth=as_(role))).status_code == 404, role
        assert (await feedback.get(location, auth=as_(role, AWAY_CODE))).json() == rating, role


async def test_a_reader_whose_unit_is_not_in_the_directory_reads_nothing(
    feedback: AppClient,
) -> None:
    rating = await rated_in(feedback, HOME_ID)
    stranger = as_(Role.INSPECTORATE, f"X{uuid.uuid4().hex[:8]}")
    assert (await feedback.get(f"{RATINGS}/{rating['id']}", auth=stranger)).status_code == 404


async def test_the_ministry_reads_every_provinces_ratings(feedback: AppClient) -> None:
    ratings = [await rated_in(feedback, province) for province in (HOME_ID, AWAY_ID)]
    for rating in ratings:
        read = await feedback.get(f"{RATINGS}/{rating['id']}", auth=as_(Role.NATIONAL))
        assert (read.status_code, read.json()) == (200, rating)
