"""What a request is, from the route the router chose: metrics labels, audited operations."""

from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.identity import as_

NATIONAL = as_(Role.NATIONAL)


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


def count(route: str, status: str) -> float:
    labels = {"service": "plans", "method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("congvu_http_requests_total", labels) or 0.0


async def test_requests_are_counted_by_route_template(plans: AppClient) -> None:
    template = "/api/v1/plans/units/{unit_id}"
    before, unmatched = count(template, "404"), count("unmatched", "404")
    missing = "/api/v1/plans/units/00000000-0000-0000-0000-000000000000"
    assert (await plans.get(missing, auth=NATIONAL)).status_code == 404
    assert (await plans.get("/no/such/path", auth=NATIONAL)).status_code == 404
    assert count(template, "404") == before + 1
    assert count("unmatched", "404") == unmatched + 1
