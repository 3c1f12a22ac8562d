"""Citizen ratings over HTTP: only for registered units, a province's systems for theirs."""

import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest

from servicekit.access import Identity, Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import UNKNOWN, announce_unit
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.identity import As, as_

QUANG_NINH_SYSTEM = As(
    Identity(subject="hcc-22", role=Role.PROVINCIAL_SYSTEM, unit_code="22", client_id="hcc-22")
)


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def ward(feedback: AppClient, province: str = "22") -> str:
    """Announce a province and a ward beneath it; return the ward's id."""
    province_id = await announce_unit(feedback.app, code=province)
    return str(await announce_unit(feedback.app, code=f"{province}-W", parent_id=province_id))


async def test_submit_and_read_rating(feedback: AppClient) -> None:
    body = create_rating_body(await ward(feedback), comment="Cán bộ hướng dẫn tận tình")
    response = await feedback.post("/api/v1/citizen-feedback/ratings", json=body)
    assert response.status_code == 201
    rating = response.json()
    assert rating["comment"] == "Cán bộ hướng dẫn tận tình"
    assert rating["submitted_at"].endswith("+07:00")
    # The rated ward lies in province 22: its inspectorate reads the rating.
    read = await feedback.get(response.headers["location"], auth=as_(Role.INSPECTORATE, "22"))
    assert read.json() == rating
    # Ratings may carry personal data: the citizen's own public caller cannot read them back.
    assert (await feedback.get(response.headers["location"])).status_code == 403


async def test_a_rating_names_a_registered_unit(feedback: AppClient) -> None:
    response = await feedback.post(
        "/api/v1/citizen-feedback/ratings", json=create_rating_body(str(uuid.uuid4()))
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["body", "unit_id"], "msg": UNKNOWN}]


async def test_a_closed_unit_takes_no_ratings(feedback: AppClient) -> None:
    merged = await announce_unit(feedback.app, code="DEMO-OLD", valid_to=date(2025, 6, 30))
    response = await feedback.post(
        "/api/v1/citizen-feedback/ratings", json=create_rating_body(str(merged))
    )
    assert response.status_code == 422
    assert "30/06/2025" in response.json()["errors"][0]["msg"]


async def test_a_provincial_system_rates_only_units_of_its_province(feedback: AppClient) -> None:
    own = await ward(feedback, "22")
    other = await ward(feedback, "40")
    orphan = str(await announce_unit(feedback.app, code="ORPHAN", parent_id=uuid.uuid4()))
    accepted = await feedback.post(
        "/api/v1/citizen-feedback/ratings", json=create_rating_body(own), auth=QUANG_NINH_SYSTEM
    )
    assert accepted.status_code == 201
    for unit_id in (other, orphan, str(uuid.uuid4())):
        refused = await feedback.post(
            "/api/v1/citizen-feedback/ratings",
            json=create_rating_body(unit_id),
            auth=QUANG_NINH_SYSTEM,
        )
        assert refused.status_code == 422
        # Outside its province a unit answers exactly as one nobody registered.
        assert refused.json()["errors"] == [{"loc": ["body", "unit_id"], "msg": UNKNOWN}]
    # A citizen may rate any registered unit.
    citizen = await feedback.post(
        "/api/v1/citizen-feedback/ratings", json=create_rating_body(other)
    )
    assert citizen.status_code == 201


@pytest.mark.parametrize("score", [0, 6, "năm"])
async def test_score_out_of_range_is_422(feedback: AppClient, score: object) -> None:
    response = await feedback.post(
        "/api/v1/citizen-feedback/ratings",
        json=create_rating_body(await ward(feedback), score=score),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "score"]


async def test_overlong_comment_is_422(feedback: AppClient) -> None:
    body = create_rating_body(await ward(feedback), comment="x" * 2001)
    response = await feedback.post("/api/v1/citizen-feedback/ratings", json=body)
    assert response.status_code == 422


async def test_a_kiosk_retries_with_its_key_once_the_unit_is_known(feedback: AppClient) -> None:
    province_id = await announce_unit(feedback.app, code="22")
    unit_id = uuid.uuid4()
    body = create_rating_body(str(unit_id))
    key = {"Idempotency-Key": "kiosk-06688-0001"}
    early = await feedback.post("/api/v1/citizen-feedback/ratings", json=body, headers=key)
    assert early.status_code == 422
    await announce_unit(feedback.app, code="06688", parent_id=province_id, unit_id=unit_id)
    later = await feedback.post("/api/v1/citizen-feedback/ratings", json=body, headers=key)
    assert later.status_code == 201
    again = await feedback.post("/api/v1/citizen-feedback/ratings", json=body, headers=key)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == later.json()
