"""Idempotency-Keys after a crash: the claim and the change are one outcome, the answer kept first.

A service killed mid-request leaves its claim behind. Whether the change committed is written
in the change's own transaction, so a repeat either runs the request afresh (nothing
happened) or says it was done (something did), and never makes the change twice.
"""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from starlette.types import Message, Receive, Scope, Send

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from plans.models import Unit
from servicekit.idempotency import (
    CLAIM,
    ClaimLost,
    IdempotencyRecord,
    mark_effect,
    request_digest,
)
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_unit_body

UNITS = "/api/v1/plans/units"


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


def owner_of(plans: AppClient) -> str:
    identity = plans.auth.identity  # type: ignore[attr-defined]
    return f"{identity.role.value}:{identity.subject}"


async def events(plans: AppClient) -> int:
    async with plans.app.state.sessionmaker() as session:
        query = select(func.count()).where(OutboxMessage.topic != AUDIT)
        return int(await session.scalar(query) or 0)


async def left_behind(
    plans: AppClient, key: str, body: bytes, *, effect: bool, lease: timedelta
) -> None:
    """Leave the claim a request killed mid-way leaves: no answer, with or without its change."""
    now = utcnow()
    async with plans.app.state.sessionmaker() as session, session.begin():
        session.add(
            IdempotencyRecord(
                owner=owner_of(plans),
                key=key,
                request_hash=request_digest("POST", UNITS, body),
                created_at=now - timedelta(minutes=5),
                claim_token=str(uuid.uuid4()),
                lease_until=now + lease,
                effect_committed=effect,
            )
        )


async def send(plans: AppClient, key: str, body: bytes) -> httpx.Response:
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    return await plans.post(UNITS, content=body, headers=headers)


def unit_body() -> bytes:
    return json.dumps(create_unit_body()).encode()


async def test_a_claim_whose_holder_died_before_its_change_runs_again(plans: AppClient) -> None:
    body = unit_body()
    await left_behind(plans, "crashed", body, effect=False, lease=-timedelta(seconds=1))
    response = await send(plans, "crashed", body)
    assert response.status_code == 201, response.text
    assert await events(plans) == 1
    again = await send(plans, "crashed", body)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json() == response.json()
    assert await events(plans) == 1


async def test_a_claim_still_within_its_lease_is_in_progress(plans: AppClient) -> None:
    body = unit_body()
    await left_behind(plans, "running", body, effect=False, lease=timedelta(seconds=30))
    response = await send(plans, "running", body)
    assert response.status_code == 409
    assert "in progress" in response.json()["detail"].lower()
    assert await events(plans) == 0


async def test_a_claim_whose_change_committed_is_never_run_twice(plans: AppClient) -> None:
    body = unit_body()
    await left_behind(plans, "done", body, effect=True, lease=-timedelta(hours=1))
    response = await send(plans, "done", body)
    assert response.status_code == 409
    assert "answer was lost" in response.json()["detail"]
    assert await events(plans) == 0


async def test_the_change_marks_its_claim_in_the_same_transaction(plans: AppClient) -> None:
    response = await send(plans, "marked", unit_body())
    assert response.status_code == 201
    async with plans.app.state.sessionmaker() as session:
        record = await session.get(IdempotencyRecord, (owner_of(plans), "marked"))
    assert record is not None
    assert (record.effect_committed, record.status) == (True, 201)


async def test_a_holder_whose_claim_was_taken_over_cannot_commit(plans: AppClient) -> None:
    body = unit_body()
    await left_behind(plans, "taken", body, effect=False, lease=timedelta(seconds=30))
    scope: dict[str, Any] = {"state": {CLAIM: (owner_of(plans), "taken", "not-the-holder")}}

    async def commit_as_the_old_holder() -> None:
        async with plans.app.state.sessionmaker() as session, session.begin():
            unit = Unit(code="X1", name="X", name_search="x", level="district", created_at=utcnow())
            session.add(unit)
            await mark_effect(session, scope)

    with pytest.raises(ClaimLost):
        await commit_as_the_old_holder()
    async with plans.app.state.sessionmaker() as session:
        assert await session.scalar(select(Unit).where(Unit.code == "X1")) is None


async def test_the_answer_is_stored_before_it_is_sent(plans: AppClient) -> None:
    """A repeat that follows the 201 at once gets the 201 again, not "in progress"."""
    seen: list[int | None] = []
    app = plans.app

    async def watching(scope: Scope, receive: Receive, send_: Send) -> None:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                async with app.state.sessionmaker() as session:
                    record = await session.get(IdempotencyRecord, (owner_of(plans), "fast"))
                    seen.append(record.status if record else None)
            await send_(message)

        await app(scope, receive, watched)

    transport = httpx.ASGITransport(app=watching)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=plans.auth
    ) as client:
        response = await client.post(
            UNITS, json=create_unit_body(), headers={"Idempotency-Key": "fast"}
        )
    assert response.status_code == 201
    assert seen == [201]
