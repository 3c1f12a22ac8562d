"""Extreme but well-formed filters and cursors on reports: a 422, never a 500."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from servicekit.access import Role
from servicekit.pagination import encode_cursor
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.support.identity import as_

AUDIT = "/api/v1/reporting/audit-entries"
UNITS = "/api/v1/reporting/units"


@pytest.fixture
async def reporting(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("reporting", database_url=await database("reporting"), bootstrap=NO_BROKER)
    async with serve(app) as client:
        yield client


def refused(response: httpx.Response, param: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["query", param]]


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00", "1800-01-01T00:00:00Z"],
    ids=["overflows-up", "overflows-down", "too-early"],
)
@pytest.mark.parametrize("param", ["since", "until"])
async def test_time_filters_out_of_range_are_422(
    reporting: AppClient, param: str, moment: str
) -> None:
    refused(await reporting.get(AUDIT, params={param: moment}), param)


@pytest.mark.parametrize("param", ["actor", "operation"])
async def test_text_filters_refuse_control_characters(reporting: AppClient, param: str) -> None:
    for value in ["\u0000", "plans\u001b", "a\nb"]:
        refused(await reporting.get(AUDIT, params={param: value}), param)


async def test_a_long_actor_filter_still_answers(reporting: AppClient) -> None:
    response = await reporting.get(AUDIT, params={"actor": "a" * 255})
    assert (response.status_code, response.json()["items"]) == (200, [])
    refused(await reporting.get(AUDIT, params={"actor": "a" * 256}), "actor")


@pytest.mark.parametrize(
    ("path", "position", "role"),
    [
        (AUDIT, ["-at", "9999-12-31T23:00:00-05:00", str(uuid.uuid4())], Role.INSPECTORATE),
        (AUDIT, ["at", "0001-01-01T00:00:00+01:00", str(uuid.uuid4())], Role.INSPECTORATE),
        (UNITS, ["visits_started", 2**63, str(uuid.uuid4())], Role.UNIT_STAFF),
        (UNITS, ["-ratings_count", -(2**63) - 1, str(uuid.uuid4())], Role.UNIT_HEAD),
        (UNITS, ["updated_at", "9999-12-31T23:00:00-05:00", str(uuid.uuid4())], Role.UNIT_STAFF),
    ],
    ids=["audit-overflows", "audit-underflows", "int-above", "int-below", "units-time"],
)
async def test_cursors_out_of_range_are_invalid_cursors(
    reporting: AppClient, path: str, position: list[object], role: Role
) -> None:
    params = {"cursor": encode_cursor(position), "sort": str(position[0])}
    response = await reporting.get(path, params=params, auth=as_(role, "22"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Dữ liệu không hợp lệ"
    assert "cursor" in response.json()["detail"]
