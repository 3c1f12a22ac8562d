"""What a unit role may not see costs the same work as what does not exist.

Timing differences would tell a unit head which ids exist outside their unit, so both
answers must come from the same SQL statements (timing itself is compared, loosely, by
tests/system/test_secrecy.py).
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_plan_body, create_unit_body
from tests.support.identity import AWAY_CODE, as_
from tests.support.planning import created, prepare
from tests.support.queries import statements


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, Role.ADMIN, language="en") as client:
        yield client


async def hidden_and_missing(plans: AppClient) -> tuple[Any, dict[str, tuple[str, str]]]:
    """Return a unit head's auth and, per read, a path it may not see and a path to nothing."""
    province = await prepare(plans)
    # Beside the head's district, in the same province.
    elsewhere = await created(plans, "/api/v1/plans/units", create_unit_body(valid_to=None))
    staffing = {"as_of": "2025-01-01", "on_roll": {"civil_servant": 12}}
    recorded = await plans.put(f"/api/v1/plans/units/{elsewhere['id']}/staffing", json=staffing)
    assert recorded.status_code == 200, recorded.text
    sealed = await created(plans, "/api/v1/plans/inspections", province.inspection())
    draft = await created(
        plans,
        "/api/v1/plans/plans",
        create_plan_body(target_unit_ids=[province.province["id"]]),
    )
    nobody = uuid.uuid4()
    paths = {
        "unit": (f"units/{elsewhere['id']}", f"units/{nobody}"),
        "staffing": (f"units/{elsewhere['id']}/staffing", f"units/{nobody}/staffing"),
        "sub-units": (f"units/{elsewhere['id']}/sub-units", f"units/{nobody}/sub-units"),
        "inspection": (f"inspections/{sealed['id']}", f"inspections/{nobody}"),
        "plan": (f"plans/{draft['id']}", f"plans/{nobody}"),
    }
    return as_(Role.UNIT_HEAD, province.district["code"]), paths


async def assert_hidden_like_missing(
    plans: AppClient, auth: Any, paths: dict[str, tuple[str, str]]
) -> None:
    """Assert each hidden read answers 404 after exactly the statements a missing one runs."""
    for read, (hidden, missing) in paths.items():
        ran = []
        for path in (hidden, missing):
            with statements(plans) as seen:
                response = await plans.get(f"/api/v1/plans/{path}", auth=auth)
            assert response.status_code == 404, (read, path, response.text)
            ran.append(seen)
        assert ran[0] == ran[1], read
        assert ran[0], read


async def test_hidden_and_missing_run_the_same_statements(plans: AppClient) -> None:
    head, paths = await hidden_and_missing(plans)
    await assert_hidden_like_missing(plans, head, paths)


async def test_another_provinces_data_and_nothing_run_the_same_statements(
    plans: AppClient,
) -> None:
    _, paths = await hidden_and_missing(plans)
    await assert_hidden_like_missing(plans, as_(Role.INSPECTORATE, AWAY_CODE), paths)


async def test_a_unit_within_scope_is_one_query(plans: AppClient) -> None:
    province = await prepare(plans)
    head = as_(Role.UNIT_HEAD, province.province["code"])
    for unit in (province.province, province.district):
        with statements(plans) as seen:
            response = await plans.get(f"/api/v1/plans/units/{unit['id']}", auth=head)
        assert response.status_code == 200
        assert len(seen) == 1
