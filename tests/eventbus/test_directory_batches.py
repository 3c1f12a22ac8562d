"""The unit directory takes a batch of registry events in one write: the last word holds."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.base import Event
from contracts.plans import UnitChanged, UnitRegistered
from eventbus.directory import HANDLERS, DirectoryUnit
from servicekit.db import create_engine, create_sessionmaker
from tests.conftest import DatabaseFactory

AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database: DatabaseFactory) -> AsyncIterator[Sessions]:
    engine = create_engine(await database("visits"))
    yield create_sessionmaker(engine)
    await engine.dispose()


def unit(
    unit_id: uuid.UUID, code: str, parent_id: uuid.UUID | None, **changed: Any
) -> UnitRegistered | UnitChanged:
    fields = {"unit_id": unit_id, "code": code, "name": code, "level": "commune"}
    fields["parent_id"] = parent_id
    if changed:
        return UnitChanged.model_validate(fields | changed | {"changed_at": AT})
    return UnitRegistered.model_validate(fields | {"registered_at": AT})


async def deliver(sessions: Sessions, *events: Event) -> None:
    async with sessions() as session, session.begin():
        for event in events:
            await HANDLERS[type(event)](session, event)


async def entry(sessions: Sessions, unit_id: uuid.UUID) -> tuple[Any, ...] | None:
    async with sessions() as session:
        found = await session.get(DirectoryUnit, unit_id)
    return None if found is None else (found.code, found.parent_id, found.valid_to)


async def test_a_batch_of_announcements_keeps_each_units_last(sessions: Sessions) -> None:
    old, new, first, second = (uuid.uuid4() for _ in range(4))
    closed = date(2025, 6, 30)
    await deliver(
        sessions,
        unit(first, "26734", old),
        unit(second, "26735", old),
        # The same batch moves the first unit and closes it.
        unit(first, "26734", new, valid_to=None),
        unit(first, "26734", new, valid_to=closed),
    )
    assert await entry(sessions, first) == ("26734", new, closed)
    assert await entry(sessions, second) == ("26735", old, None)

    # A later batch changes an entry the directory already has.
    await deliver(sessions, unit(second, "26736", new, valid_to=None))
    assert await entry(sessions, second) == ("26736", new, None)
    assert await entry(sessions, first) == ("26734", new, closed)


async def test_a_batch_that_rolls_back_writes_nothing(sessions: Sessions) -> None:
    unit_id = uuid.uuid4()

    async def failing() -> None:
        async with sessions() as session, session.begin():
            await HANDLERS[UnitRegistered](session, unit(unit_id, "26737", None))
            raise RuntimeError("the batch failed")

    with pytest.raises(RuntimeError):
        await failing()
    assert await entry(sessions, unit_id) is None
