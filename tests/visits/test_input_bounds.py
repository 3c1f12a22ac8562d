"""Extreme but well-formed visits: a 422 naming the field, a 401 for an unusable caller."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from servicekit.access import Identity, Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_visit_body
from tests.support.identity import HOME_CODE, HOME_ID, As

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


async def start(visits: AppClient, body: dict[str, Any], **headers: str) -> httpx.Response:
    """POST a visit, every non-ASCII character escaped (lone surrogates too)."""
    headers = {"content-type": "application/json", **headers}
    return await visits.post(VISITS, content=json.dumps(body), headers=headers)


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+01:00",
        "1899-12-31T16:59:59-07:00",
        "2200-12-31T23:59:60+00:00",
        "2201-01-01T07:00:00+07:00",
    ],
    ids=["overflows-up", "overflows-down", "too-early", "leap-second", "too-late"],
)
async def test_a_start_out_of_range_is_422(visits: AppClient, unit: str, moment: str) -> None:
    refused(await start(visits, create_visit_body(unit, started_at=moment)), "started_at")


async def test_the_bounds_themselves_are_accepted(visits: AppClient, unit: str) -> None:
    for moment in ("2000-01-01T07:00:00+07:00", "2100-12-31T23:59:59+00:00"):
        response = await start(visits, create_visit_body(unit, started_at=moment))
        assert response.status_code == 201, response.text


async def test_a_note_refuses_control_characters_but_keeps_lines(
    visits: AppClient, unit: str
) -> None:
    for value in ["\u0000", "\u001b", "\u007f", "\u0080", "\ud800", "\u202d", "\u2068"]:
        body = create_visit_body(unit, note=f"Ghi chú {value}")
        refused(await start(visits, body), "note")
    body = create_visit_body(unit, note="Dòng 1\r\n\tDòng 2")
    response = await start(visits, body)
    assert response.status_code == 201, response.text
    assert response.json()["note"] == "Dòng 1\n\tDòng 2"


@pytest.mark.parametrize("key", [None, "visit-1"], ids=["plain", "idempotent"])
async def test_a_subject_over_255_characters_is_401(
    visits: AppClient, unit: str, key: str | None
) -> None:
    caller = As(Identity(subject="i" * 256, role=Role.INSPECTOR, unit_code=HOME_CODE))
    headers = {"Idempotency-Key": key} if key else {}
    body = create_visit_body(unit)
    response = await visits.post(VISITS, json=body, headers=headers, auth=caller)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_subject_of_255_characters_may_use_an_idempotency_key(
    visits: AppClient, unit: str
) -> None:
    caller = As(Identity(subject="i" * 255, role=Role.TEAM_LEADER, unit_code=HOME_CODE))
    key = {"Idempotency-Key": "visit-1"}
    body = create_visit_body(unit)
    first = await visits.post(VISITS, json=body, headers=key, auth=caller)
    again = await visits.post(VISITS, json=body, headers=key, auth=caller)
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert again.headers["idempotent-replayed"] == "true"
