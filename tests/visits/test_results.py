"""Checklist results against the version the inspection pinned, scored by its weights."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from contracts.plans import ChecklistCategory, Criterion
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_result_item, create_visit_body
from tests.support.planning import staged
from tests.visits.known import Planned, announce_checklist, handle, plan, scheduled

VISITS = "/api/v1/visits/visits"


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app)


async def started(visits: AppClient, planned: Planned) -> str:
    response = await visits.post(VISITS, json=planned.visit(), auth=planned.leader)
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def put(
    visits: AppClient, planned: Planned, visit_id: str, *items: dict[str, Any]
) -> httpx.Response:
    body = {"items": list(items)}
    return await visits.put(f"{VISITS}/{visit_id}/results", json=body, auth=planned.member)


async def test_the_score_weighs_criteria_and_leaves_out_not_applicable(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await started(visits, planned)
    response = await put(
        visits,
        planned,
        visit_id,
        create_result_item("GIO.1", "pass"),  # weight 3
        create_result_item("GIO.2", "fail", note="2 công chức vắng không xin phép"),  # weight 2
        create_result_item("GIO.4", "not_applicable"),  # weight 1, left out
        create_result_item("MOTCUA.1", "pass"),  # weight 2
    )
    assert response.status_code == 200, response.text
    results = response.json()
    assert results["score"] == {
        "points": 5,
        "possible": 7,
        "percent": 71.43,
        "answered": 4,
        "criteria": 5,
    }
    by_code = {r["criterion_code"]: r for r in results["items"]}
    assert (by_code["GIO.2"]["category_code"], by_code["GIO.2"]["weight"]) == ("GIO", 2)
    read = (await visits.get(f"{VISITS}/{visit_id}", auth=planned.leader)).json()
    assert read["results"] == results
    [(_, event)] = [(t, p) for t, p in await staged(visits) if t.endswith("results-recorded.v1")]
    assert (event["points"], event["possible"]) == (5, 7)
    assert "note" not in str(event["results"])


async def test_a_criterion_outside_the_pinned_version_is_named(
    visits: AppClient, planned: Planned
) -> None:
    # Version 2 of the same checklist adds a criterion: the inspection pinned version 1.
    newer = ChecklistCategory(
        code="RUOU",
        title="Rượu, bia",
        criteria=[Criterion(code="RUOU.1", title="Không uống rượu, bia", weight=3)],
    )
    await announce_checklist(
        visits.app, checklist_id=planned.checklist_id, version=2, categories=[newer]
    )
    visit_id = await started(visits, planned)
    response = await put(
        visits,
        planned,
        visit_id,
        create_result_item("GIO.1", "pass"),
        create_result_item("RUOU.1", "fail"),
        create_result_item("MOTCUA.2", "not_applicable"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "loc": ["body", "items", 1, "criterion_code"],
            "msg": "Criterion RUOU.1 is not in version 1 of the checklist this visit follows.",
        },
        {
            "loc": ["body", "items", 2, "outcome"],
            "msg": "Criterion MOTCUA.2 may not be marked not applicable.",
        },
    ]
    # Nothing of the request was kept.
    read = (await visits.get(f"{VISITS}/{visit_id}", auth=planned.leader)).json()
    assert read["results"]["items"] == []


async def test_results_are_versioned_records(visits: AppClient, planned: Planned) -> None:
    visit_id = await started(visits, planned)
    item = create_result_item("GIO.1", "fail")
    assert (await put(visits, planned, visit_id, item)).status_code == 200
    assert (await put(visits, planned, visit_id, item)).status_code == 200
    changed = item | {"outcome": "pass"}
    assert (await put(visits, planned, visit_id, changed)).status_code == 409
    later = (await put(visits, planned, visit_id, changed | {"version": 2})).json()
    assert later["score"]["points"] == 3
    # Another id for a criterion that has a result, or one result twice in a request.
    other = create_result_item("GIO.1", "pass")
    assert (await put(visits, planned, visit_id, other)).status_code == 409
    twice = await put(visits, planned, visit_id, other, other)
    assert twice.status_code == 422
    events = [t for t, _ in await staged(visits) if t.endswith("results-recorded.v1")]
    assert len(events) == 2


async def test_an_ad_hoc_visit_without_a_checklist_records_no_results(
    visits: AppClient, planned: Planned
) -> None:
    body = create_visit_body(str(planned.district))
    visit = (await visits.post(VISITS, json=body, auth=planned.leader)).json()
    response = await visits.put(
        f"{VISITS}/{visit['id']}/results",
        json={"items": [create_result_item("GIO.1", "pass")]},
        auth=planned.leader,
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "items"]]
    # One that names a checklist version the visits service knows scores against it.
    body = create_visit_body(
        str(planned.district), checklist_id=str(planned.checklist_id), checklist_version=1
    )
    visit = (await visits.post(VISITS, json=body, auth=planned.leader)).json()
    response = await visits.put(
        f"{VISITS}/{visit['id']}/results",
        json={"items": [create_result_item("MOTCUA.2", "fail")]},
        auth=planned.leader,
    )
    assert response.status_code == 200, response.text
    assert response.json()["score"]["possible"] == 1


async def test_a_version_not_yet_heard_of_is_a_409_to_retry(visits: AppClient) -> None:
    planned = await plan(visits.app)
    # An inspection pinning a version whose event has not arrived yet.
    event = scheduled(team_id=planned.team_id, checklist_id=uuid.uuid4(), target=planned.district)
    await handle(visits.app, event)
    body = planned.visit(inspection_id=str(event.inspection_id))
    visit = (await visits.post(VISITS, json=body, auth=planned.leader)).json()
    response = await put(visits, planned, visit["id"], create_result_item("GIO.1", "pass"))
    assert response.status_code == 409, response.text
