"""Who rated: citizens, kiosks for them, officials apart; staff never rate their own unit."""

import uuid
from collections.abc import AsyncIterator

import pytest

from servicekit.access import Identity, Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.identity import As, as_
from tests.support.planning import staged

RATINGS = "/api/v1/citizen-feedback/ratings"


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def quang_ninh(feedback: AppClient) -> dict[str, str]:
    """Announce a province, a ward beneath it and an office of the ward; return their ids."""
    province = await announce_unit(feedback.app, code="22")
    ward = await announce_unit(feedback.app, code="06688", parent_id=province)
    office = await announce_unit(feedback.app, code="06688-MC", parent_id=ward)
    other_ward = await announce_unit(feedback.app, code="06685", parent_id=province)
    return {
        "22": str(province),
        "06688": str(ward),
        "06688-MC": str(office),
        "06685": str(other_ward),
    }


async def raters(feedback: AppClient) -> list[str]:
    """Return the `rater` of every rating event staged, in order."""
    return [
        payload["rater"]
        for event_type, payload in await staged(feedback)
        if event_type.endswith("rating.submitted.v1")
    ]


@pytest.mark.parametrize(
    ("role", "unit", "rated"),
    [
        (Role.UNIT_HEAD, "06688", "06688"),
        (Role.UNIT_STAFF, "06688", "06688"),
        (Role.UNIT_STAFF, "06688", "06688-MC"),
        (Role.UNIT_HEAD, "22", "06685"),
    ],
)
async def test_staff_may_not_rate_their_own_unit_or_beneath_it(
    feedback: AppClient, role: Role, unit: str, rated: str
) -> None:
    units = await quang_ninh(feedback)
    response = await feedback.post(
        RATINGS, json=create_rating_body(units[rated]), auth=as_(role, unit)
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 403
    assert "không được đánh giá đơn vị mình" in problem["detail"]
    assert await raters(feedback) == []


async def test_who_rated_travels_with_the_rating(feedback: AppClient) -> None:
    units = await quang_ninh(feedback)
    kiosk = As(
        Identity(subject="hcc-22", role=Role.PROVINCIAL_SYSTEM, unit_code="22", client_id="hcc-22")
    )
    callers = [
        ("citizen", as_(Role.PUBLIC)),
        ("kiosk", kiosk),
        ("official", as_(Role.INSPECTOR)),
        # Staff of a ward may rate another ward, or the province above: as officials.
        ("official", as_(Role.UNIT_HEAD, "06688")),
    ]
    for (expected, auth), rated in zip(callers, ("06688", "06688", "06688", "06685"), strict=True):
        response = await feedback.post(RATINGS, json=create_rating_body(units[rated]), auth=auth)
        assert response.status_code == 201, response.text
        assert response.json()["rater"] == expected
    province = await feedback.post(
        RATINGS, json=create_rating_body(units["22"]), auth=as_(Role.UNIT_STAFF, "06688")
    )
    assert province.status_code == 201
    assert await raters(feedback) == ["citizen", "kiosk", "official", "official", "official"]
    read = await feedback.get(province.headers["location"], auth=as_(Role.INSPECTORATE, "22"))
    assert read.json()["rater"] == "official"


async def test_a_unit_role_whose_unit_is_unknown_rates_as_an_official(
    feedback: AppClient,
) -> None:
    units = await quang_ninh(feedback)
    response = await feedback.post(
        RATINGS,
        json=create_rating_body(units["06688"]),
        auth=as_(Role.UNIT_STAFF, f"X-{uuid.uuid4().hex[:6]}"),
    )
    assert response.status_code == 201
    assert await raters(feedback) == ["official"]
