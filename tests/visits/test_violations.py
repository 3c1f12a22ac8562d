"""Violations: categories of the pinned checklist, repeats within 12 months, whom they name."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from contracts.topics import AUDIT
from eventbus.outbox import OutboxMessage
from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_violation_body, create_visit_body
from tests.support.planning import staged
from tests.visits.known import LEADER, Planned, person, plan

VISITS = "/api/v1/visits/visits"
PERSON = {"full_name": "Nguyễn Văn Bình", "position": "Công chức một cửa"}


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app, kind="periodic")


async def visit_on(visits: AppClient, planned: Planned, started_at: str) -> str:
    """Start an ad hoc visit of the district, following the team's checklist, by its team."""
    body = create_visit_body(
        str(planned.district),
        started_at=started_at,
        team_id=str(planned.team_id),
        checklist_id=str(planned.checklist_id),
        checklist_version=1,
    )
    response = await visits.post(VISITS, json=body, auth=planned.leader)
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def put(
    visits: AppClient, planned: Planned, visit_id: str, body: dict[str, Any], **kw: Any
) -> httpx.Response:
    violation_id = kw.pop("violation_id", str(uuid.uuid4()))
    path = f"{VISITS}/{visit_id}/violations/{violation_id}"
    return await visits.put(path, json=body, auth=kw.pop("auth", planned.member))


async def recorded(visits: AppClient, planned: Planned, visit_id: str, **fields: Any) -> Any:
    body = create_violation_body(str(fields.pop("unit_id", planned.office)), **fields)
    response = await put(visits, planned, visit_id, body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_violation_fits_the_checklist_and_the_visited_unit(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await visit_on(visits, planned, "2021-02-22T16:15:00+07:00")
    elsewhere = await plan(visits.app)
    body = create_violation_body(
        str(elsewhere.office), category_code="RUOU", criterion_code="RUOU.1"
    )
    response = await put(visits, planned, visit_id, body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "category_code"],
        ["body", "unit_id"],
    ]
    wrong_criterion = create_violation_body(str(planned.district), criterion_code="GIO.1")
    response = await put(visits, planned, visit_id, wrong_criterion)
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "criterion_code"]]
    violation = await recorded(visits, planned, visit_id, unit_id=planned.district)
    assert (violation["category_code"], violation["repeat_of"]) == ("MOTCUA", [])


async def test_the_same_unit_and_category_within_12_months_is_a_repeat(
    visits: AppClient, planned: Planned
) -> None:
    first_visit = await visit_on(visits, planned, "2021-02-22T16:15:00+07:00")
    first = await recorded(visits, planned, first_visit)
    # Another category at the same unit, and the same category at another unit.
    await recorded(visits, planned, first_visit, category_code="GIO", criterion_code="GIO.1")
    await recorded(visits, planned, first_visit, unit_id=planned.district)

    later_visit = await visit_on(visits, planned, "2021-11-10T08:00:00+07:00")
    later = await recorded(visits, planned, later_visit)
    assert later["repeat_of"] == [first["id"]]
    # More than 12 months after the first, within 12 months of the later one.
    last_visit = await visit_on(visits, planned, "2022-02-22T16:16:00+07:00")
    last = await recorded(visits, planned, last_visit)
    assert last["repeat_of"] == [later["id"]]
    other_category = await recorded(
        visits, planned, last_visit, category_code="GIO", criterion_code="GIO.2"
    )
    assert other_category["repeat_of"] == []
    [event] = [
        p
        for t, p in await staged(visits)
        if t.endswith("violation-recorded.v1") and p["violation_id"] == last["id"]
    ]
    assert event["repeat_of"] == [later["id"]]


async def test_the_same_person_at_another_unit_of_the_visited_one_is_a_repeat(
    visits: AppClient, planned: Planned
) -> None:
    first_visit = await visit_on(visits, planned, "2021-03-01T08:00:00+07:00")
    first = await recorded(visits, planned, first_visit, unit_id=planned.district, person=PERSON)
    later_visit = await visit_on(visits, planned, "2021-09-01T08:00:00+07:00")
    same_person = {"full_name": "nguyễn  văn BÌNH", "position": None}
    later = await recorded(visits, planned, later_visit, person=same_person)
    assert later["repeat_of"] == [first["id"]]
    someone_else = await recorded(
        visits, planned, later_visit, person={"full_name": "Nguyễn Văn Bính"}
    )
    assert someone_else["repeat_of"] == []


async def test_a_repeat_recorded_before_its_original_synced_is_found_at_submission(
    visits: AppClient, planned: Planned
) -> None:
    later_visit = await visit_on(visits, planned, "2021-11-10T08:00:00+07:00")
    later = await recorded(visits, planned, later_visit)
    assert later["repeat_of"] == []
    # The earlier visit's device syncs afterwards.
    first_visit = await visit_on(visits, planned, "2021-02-22T16:15:00+07:00")
    first = await recorded(visits, planned, first_visit)
    submitted = await visits.post(
        f"{VISITS}/{later_visit}/submission", headers={"If-Match": "*"}, auth=planned.leader
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["violations"][0]["repeat_of"] == [first["id"]]


async def test_whom_a_violation_names_shows_only_to_those_who_need_it(
    visits: AppClient, planned: Planned
) -> None:
    visit_id = await visit_on(visits, planned, "2021-02-22T16:15:00+07:00")
    violation = await recorded(visits, planned, visit_id, person=PERSON)
    assert violation["person"] == PERSON
    path = f"{VISITS}/{visit_id}"
    for auth in (planned.leader, person("inspectorate-1", Role.INSPECTORATE)):
        [shown] = (await visits.get(path, auth=auth)).json()["violations"]
        assert shown["person"] == PERSON
    for auth in (person("admin-1", Role.ADMIN), person("someone.else"), person("m", Role.NATIONAL)):
        [shown] = (await visits.get(path, auth=auth)).json()["violations"]
        assert (shown["person"], shown["names_person"]) == (None, True)
    submitted = await visits.post(
        f"{path}/submission", headers={"If-Match": "*"}, auth=planned.leader
    )
    assert submitted.status_code == 200
    head = person("head", Role.UNIT_HEAD, planned.district_code)
    read = (await visits.get(path, auth=head)).json()
    assert read["violations"][0]["person"] is None
    assert read["violations"][0]["recorded_by"] is None
    assert (read["started_by"], read["submitted_by"]) == (None, None)
    # Never in an event; every read of the record is audited.
    events = [p for t, p in await staged(visits)]
    assert "Bình" not in json.dumps(events, ensure_ascii=False)
    async with visits.app.state.sessionmaker() as session:
        audit = (
            await session.scalars(select(OutboxMessage).where(col(OutboxMessage.topic) == AUDIT))
        ).all()
    reads = [json.loads(row.payload) for row in audit]
    reads = [r for r in reads if r["operation"] == "visits.visits.read"]
    assert {r["actor"] for r in reads} >= {LEADER, "inspectorate-1", "admin-1", "head"}


async def test_violations_are_versioned_records(visits: AppClient, planned: Planned) -> None:
    visit_id = await visit_on(visits, planned, "2021-02-22T16:15:00+07:00")
    violation_id = str(uuid.uuid4())
    body = create_violation_body(str(planned.office), person=PERSON)
    first = await put(visits, planned, visit_id, body, violation_id=violation_id)
    assert first.status_code == 201
    again = await put(visits, planned, visit_id, body, violation_id=violation_id)
    assert (again.status_code, again.json()) == (200, first.json())
    without_person = body | {"person": None, "version": 2, "severity": "serious"}
    changed = await put(visits, planned, visit_id, without_person, violation_id=violation_id)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["person"], changed.json()["names_person"]) == (None, False)
    stale = await put(visits, planned, visit_id, body, violation_id=violation_id)
    assert stale.status_code == 409
