"""Strict input to the reporting service: a time filter is RFC 3339 text in 1900 to 2200."""

from collections.abc import AsyncIterator

import pytest

from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER

AUDIT = "/api/v1/reporting/audit-entries"


@pytest.fixture
async def reporting(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


@pytest.mark.parametrize("value", ["1613985300", "1613985300.5", "2021-02-22", "true"])
@pytest.mark.parametrize("param", ["since", "until"])
async def test_a_time_filter_is_not_a_number(reporting: AppClient, param: str, value: str) -> None:
    response = await reporting.get(AUDIT, params={param: value})
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["query", param]]


@pytest.mark.parametrize("value", ["1900-01-01T00:00:00Z", "2200-12-31T23:59:59Z"])
@pytest.mark.parametrize("param", ["since", "until"])
async def test_a_time_filter_takes_any_plausible_time(
    reporting: AppClient, param: str, value: str
) -> None:
    response = await reporting.get(AUDIT, params={param: value})
    assert response.status_code == 200, response.text
