"""Extreme but well-formed ratings: a 422 naming the field, never a 500 or a stored NUL."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from servicekit.access import Identity, Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.identity import As

RATINGS = "/api/v1/citizen-feedback/ratings"
CONTROLS = ["\u0000", "\u001b[2J", "\u007f", "\u009b", "\ud800", "\u202e", "\u2067"]


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def rate(feedback: AppClient, auth: Any = None, **fields: Any) -> httpx.Response:
    """POST a rating of a known unit, every non-ASCII character escaped (lone surrogates too)."""
    unit_id = str(await announce_unit(feedback.app, code="22"))
    body = create_rating_body(unit_id, **fields)
    headers = {"content-type": "application/json"}
    if auth is None:
        return await feedback.post(RATINGS, content=json.dumps(body), headers=headers)
    return await feedback.post(RATINGS, content=json.dumps(body), headers=headers, auth=auth)


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]


@pytest.mark.parametrize("field", ["comment", "service", "dossier_code"])
async def test_control_characters_are_refused(feedback: AppClient, field: str) -> None:
    for value in CONTROLS:
        refused(await rate(feedback, **{field: f"Hồ sơ {value} 01"}), field)


@pytest.mark.parametrize("field", ["service", "dossier_code"])
async def test_a_service_and_a_dossier_code_are_one_visible_line(
    feedback: AppClient, field: str
) -> None:
    for value in ["a\nb", "a\tb", "a\u200bb", "a\u2060b", "a\ufeffb", "a\u200eb"]:
        refused(await rate(feedback, **{field: value}), field)


async def test_a_comment_keeps_its_lines(feedback: AppClient) -> None:
    response = await rate(feedback, comment="Tốt.\r\nCán bộ\ttận tình\u200b.")
    assert response.status_code == 201, response.text
    assert response.json()["comment"] == "Tốt.\nCán bộ\ttận tình\u200b."


@pytest.mark.parametrize(("field", "limit"), [("comment", 2000), ("service", 255)])
async def test_limits_hold_after_normalisation(feedback: AppClient, field: str, limit: int) -> None:
    refused(await rate(feedback, **{field: "\ufb2c" * (limit // 3 + 1)}), field)
    exactly = "\ufb2c" * (limit // 3) + "a" * (limit % 3)
    response = await rate(feedback, **{field: exactly})
    assert response.status_code == 201, response.text
    assert len(response.json()[field]) == limit


async def test_a_subject_over_255_characters_is_401(feedback: AppClient) -> None:
    caller = As(Identity(subject="s" * 256, role=Role.INSPECTORATE))
    response = await rate(feedback, auth=caller)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_long_subject_may_use_an_idempotency_key(feedback: AppClient) -> None:
    caller = As(Identity(subject="s" * 255, role=Role.INSPECTORATE))
    unit_id = str(await announce_unit(feedback.app, code="22"))
    key = {"Idempotency-Key": "rating-1"}
    first = await feedback.post(RATINGS, json=create_rating_body(unit_id), headers=key, auth=caller)
    again = await feedback.post(RATINGS, json=create_rating_body(unit_id), headers=key, auth=caller)
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert again.headers["idempotent-replayed"] == "true"
