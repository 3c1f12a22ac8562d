"""A scorecard outside a unit role's scope costs the same work as one reporting never had."""

import uuid
from collections.abc import AsyncIterator

import pytest

from reporting.models import UnitScore
from servicekit.access import Role
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.identity import as_
from tests.support.queries import statements


@pytest.fixture
async def reporting(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


async def known(reporting: AppClient, code: str, parent_id: uuid.UUID | None = None) -> uuid.UUID:
    """Give reporting a unit's read model, as its consumer would; return the unit's id."""
    unit_id = uuid.uuid4()
    async with reporting.app.state.sessionmaker() as session, session.begin():
        session.add(UnitScore(unit_id=unit_id, code=code, parent_id=parent_id, updated_at=utcnow()))
    return unit_id


async def test_hidden_and_missing_scorecards_run_the_same_statements(
    reporting: AppClient,
) -> None:
    province = await known(reporting, "22")
    ward = await known(reporting, "22-W", parent_id=province)
    elsewhere = await known(reporting, "40")
    head = as_(Role.UNIT_HEAD, "22")
    assert (await reporting.get(f"/api/v1/reporting/units/{ward}", auth=head)).status_code == 200
    ran = []
    for unit_id in (elsewhere, uuid.uuid4()):
        with statements(reporting) as seen:
            response = await reporting.get(f"/api/v1/reporting/units/{unit_id}", auth=head)
        assert response.status_code == 404
        ran.append(seen)
    assert ran[0] == ran[1]
    assert len(ran[0]) == 1
