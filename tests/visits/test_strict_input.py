"""Strict input to the visits service: unknown fields, strict types, years of a visit."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_visit_body
from tests.support.identity import HOME_ID

VISITS = "/api/v1/visits/visits"


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


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("started_at", 1613985300),
        ("started_at", 1613985300.5),
        ("started_at", "1613985300"),
        ("started_at", True),
        ("started_at", "2021-02-22"),
        ("surprise", 1),
        ("surprise", "true"),
        ("unit_id", 42),
        ("note", 42),
    ],
)
async def test_types_are_strict(visits: AppClient, unit: str, field: str, value: Any) -> None:
    body = create_visit_body(unit) | {field: value}
    refused(await visits.post(VISITS, json=body), field)


async def test_unknown_fields_are_refused(visits: AppClient, unit: str) -> None:
    body = create_visit_body(unit, status="concluded")
    refused(await visits.post(VISITS, json=body), "status")


@pytest.mark.parametrize(
    "moment",
    [
        "1960-06-01T08:00:00+07:00",
        "1999-12-31T23:59:59Z",
        "2000-01-01T06:59:59+07:00",
        "2101-01-01T00:00:00Z",
        "2150-06-01T08:00:00+07:00",
    ],
)
async def test_a_visit_starts_between_2000_and_2100(
    visits: AppClient, unit: str, moment: str
) -> None:
    response = await visits.post(VISITS, json=create_visit_body(unit, started_at=moment))
    refused(response, "started_at")
    assert response.json()["errors"][0]["msg"] == (
        "Thời điểm phải thuộc các năm từ 2000 đến 2100 (theo giờ UTC)"
    )


async def test_a_visit_time_comes_back_at_plus_seven(visits: AppClient, unit: str) -> None:
    body = create_visit_body(unit, started_at="2000-01-01T00:00:00Z")
    response = await visits.post(VISITS, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["started_at"] == "2000-01-01T07:00:00+07:00"
    assert response.json()["created_at"].endswith("+07:00")
