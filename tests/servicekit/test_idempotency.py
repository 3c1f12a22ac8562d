"""Idempotency-Key on POST, through the plans service."""

from collections.abc import AsyncIterator

import pytest
from sqlmodel import func, select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from servicekit.access import Role
from servicekit.idempotency import IdempotencyRecord
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_unit_body
from tests.support.identity import as_


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


async def events(plans: AppClient) -> int:
    async with plans.app.state.sessionmaker() as session:
        query = select(func.count()).where(OutboxMessage.topic != AUDIT)
        return int(await session.scalar(query) or 0)


async def test_same_key_and_body_get_the_same_answer_once(plans: AppClient) -> None:
    body = create_unit_body()
    key = {"Idempotency-Key": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e01"}
    first = await plans.post("/api/v1/plans/units", json=body, headers=key)
    again = await plans.post("/api/v1/plans/units", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await events(plans) == 1


async def test_same_key_with_another_body_is_422(plans: AppClient) -> None:
    key = {"Idempotency-Key": "k-1"}
    assert (
        await plans.post("/api/v1/plans/units", json=create_unit_body(), headers=key)
    ).status_code == 201
    other = await plans.post("/api/v1/plans/units", json=create_unit_body(), headers=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert await events(plans) == 1


async def test_a_key_still_in_progress_is_409(plans: AppClient) -> None:
    body = create_unit_body()
    admin = as_(Role.ADMIN)
    first = await plans.post(
        "/api/v1/plans/units", json=body, headers={"Idempotency-Key": "k-2"}, auth=admin
    )
    assert first.status_code == 201
    # As if a duplicate arrived while the first was still running.
    async with plans.app.state.sessionmaker() as session, session.begin():
        (record,) = (await session.scalars(select(IdempotencyRecord))).all()
        record.status = None
    again = await plans.post(
        "/api/v1/plans/units", json=body, headers={"Idempotency-Key": "k-2"}, auth=admin
    )
    assert again.status_code == 409
    assert await events(plans) == 1


async def test_keys_belong_to_their_caller_and_expire(plans: AppClient) -> None:
    key = {"Idempotency-Key": "shared-key"}
    mine = await plans.post("/api/v1/plans/units", json=create_unit_body(), headers=key)
    theirs = await plans.post(
        "/api/v1/plans/units", json=create_unit_body(), headers=key, auth=as_(Role.ADMIN)
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    async with plans.app.state.sessionmaker() as session, session.begin():
        for record in (await session.scalars(select(IdempotencyRecord))).all():
            record.created_at = utcnow().replace(year=utcnow().year - 1)
    later = await plans.post("/api/v1/plans/units", json=create_unit_body(), headers=key)
    assert later.status_code == 201
    assert await events(plans) == 3


async def test_refusals_release_the_key_and_long_keys_are_422(plans: AppClient) -> None:
    body = create_unit_body()
    await plans.post("/api/v1/plans/units", json=body)
    key = {"Idempotency-Key": "k-3"}
    first = await plans.post("/api/v1/plans/units", json=body, headers=key)
    assert first.status_code == 409
    # The refusal changed nothing, so it is not kept: the same key may carry a fixed request.
    fixed = await plans.post("/api/v1/plans/units", json=create_unit_body(), headers=key)
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers
    too_long = await plans.post(
        "/api/v1/plans/units", json=create_unit_body(), headers={"Idempotency-Key": "x" * 256}
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
