"""Visits over HTTP: offline-created ids are idempotent; bad times are 422."""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_visit_body
from tests.support.identity import HOME_ID


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


@pytest.fixture
async def unit(visits: AppClient) -> str:
    """A unit of the callers' province, as the registry announced it: visits take place there."""
    code = f"U{uuid.uuid4().hex[:8]}"
    return str(await announce_unit(visits.app, code=code, parent_id=HOME_ID))


async def events(client: AppClient) -> list[OutboxMessage]:
    async with client.app.state.sessionmaker() as session:
        query = select(OutboxMessage).where(OutboxMessage.topic != AUDIT)
        return list((await session.scalars(query)).all())


async def test_start_visit_with_client_id(visits: AppClient, unit: str) -> None:
    body = create_visit_body(unit)
    response = await visits.post("/api/v1/visits/visits", json=body)
    assert response.status_code == 201
    visit = response.json()
    assert visit["id"] == body["id"]
    assert visit["started_at"] == "2021-02-22T16:15:00+07:00"
    assert response.headers["location"] == f"/api/v1/visits/visits/{body['id']}"
    assert (await visits.get(response.headers["location"])).json() == visit
    assert [e.event_type for e in await events(visits)] == ["vn.congvu.visits.visit.started.v1"]


async def test_offline_resend_is_idempotent_and_emits_once(visits: AppClient, unit: str) -> None:
    body = create_visit_body(unit)
    first = await visits.post("/api/v1/visits/visits", json=body)
    again = await visits.post("/api/v1/visits/visits", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(await events(visits)) == 1


async def test_same_id_with_other_content_is_409(visits: AppClient, unit: str) -> None:
    body = create_visit_body(unit)
    await visits.post("/api/v1/visits/visits", json=body)
    response = await visits.post("/api/v1/visits/visits", json=body | {"surprise": False})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_time_without_offset_is_422(visits: AppClient, unit: str) -> None:
    body = create_visit_body(unit, started_at="2021-02-22T16:15:00")
    response = await visits.post("/api/v1/visits/visits", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "started_at"]
    assert await events(visits) == []
    async with visits.app.state.sessionmaker() as session:
        (audit,) = (await session.scalars(select(OutboxMessage))).all()
    assert '"outcome": "refused", "status": 422' in audit.payload
