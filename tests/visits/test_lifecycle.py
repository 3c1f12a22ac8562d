"""A visit's lifecycle: started by its team, recorded, submitted; or ended without access."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_attendance_body, create_visit_body
from tests.support.identity import AWAY_CODE
from tests.support.planning import staged
from tests.visits.known import (
    LEADER,
    MEMBER,
    Planned,
    announce_team,
    cancelled,
    handle,
    person,
    plan,
)

VISITS = "/api/v1/visits/visits"


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app)


async def start(visits: AppClient, planned: Planned, **overrides: object) -> httpx.Response:
    return await visits.post(VISITS, json=planned.visit(**overrides), auth=planned.leader)


def refused(response: httpx.Response, *loc: str | int) -> str:
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["body", *loc]]
    message: str = response.json()["errors"][0]["msg"]
    return message


async def test_the_team_starts_the_inspections_visit(visits: AppClient, planned: Planned) -> None:
    response = await start(visits, planned)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["status"] == "started"
    assert visit["version"] == 1
    assert visit["started_at"] == "2021-02-22T16:15:00+07:00"
    assert (visit["team_id"], visit["checklist_id"], visit["checklist_version"]) == (
        str(planned.team_id),
        str(planned.checklist_id),
        1,
    )
    assert visit["started_by"] == LEADER
    assert visit["location"] == {"latitude": 19.4152, "longitude": 104.2189, "accuracy_m": 12.5}
    assert visit["attendance"]["records"] == []
    assert visit["results"]["score"]["criteria"] == 5
    read = await visits.get(response.headers["location"], auth=planned.member)
    assert read.json() == visit
    assert read.headers["etag"] == response.headers["etag"]
    [(event_type, payload)] = await staged(visits)
    assert event_type == "vn.congvu.visits.visit.started.v1"
    assert payload["inspection_id"] == str(planned.inspection_id)
    assert payload["started_by"] == LEADER
    assert payload["team_id"] == str(planned.team_id)


async def test_an_offline_resend_answers_200_and_emits_once(
    visits: AppClient, planned: Planned
) -> None:
    body = planned.visit()
    first = await visits.post(VISITS, json=body, auth=planned.leader)
    again = await visits.post(VISITS, json=body, auth=planned.member)
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(await staged(visits)) == 1
    other = await visits.post(VISITS, json=body | {"note": "Khác"}, auth=planned.leader)
    assert other.status_code == 409


async def test_a_sealed_inspection_answers_others_as_an_unknown_one(
    visits: AppClient, planned: Planned
) -> None:
    stranger = person("not.on.the.team")
    unknown = await visits.post(
        VISITS, json=planned.visit(inspection_id=str(uuid.uuid4())), auth=stranger
    )
    sealed = await visits.post(VISITS, json=planned.visit(), auth=stranger)
    assert refused(sealed, "inspection_id") == refused(unknown, "inspection_id")
    assert await staged(visits) == []


async def test_someone_off_the_team_cannot_start_an_unsealed_inspection(
    visits: AppClient,
) -> None:
    planned = await plan(visits.app, kind="periodic")
    response = await visits.post(VISITS, json=planned.visit(), auth=person("not.on.the.team"))
    assert response.status_code == 403, response.text
    assert (
        response.json()["detail"] == "Only members of the team carrying out this visit record it."
    )


async def test_a_visit_of_a_known_target_is_at_it_or_beneath(visits: AppClient) -> None:
    planned = await plan(visits.app, kind="periodic")
    elsewhere = await plan(visits.app, kind="periodic")
    outside = await start(visits, planned, unit_id=str(elsewhere.district))
    refused(outside, "unit_id")
    beneath = await start(visits, planned, unit_id=str(planned.office))
    assert beneath.status_code == 201, beneath.text
    assert beneath.json()["surprise"] is False


async def test_a_start_must_agree_with_its_inspection(visits: AppClient, planned: Planned) -> None:
    refused(await start(visits, planned, surprise=False), "surprise")
    refused(await start(visits, planned, team_id=str(uuid.uuid4())), "team_id")
    refused(await start(visits, planned, checklist_version=2), "checklist_version")
    await handle(visits.app, cancelled(planned))
    response = await start(visits, planned)
    assert response.status_code == 409, response.text


async def test_a_visit_left_without_surprise_takes_its_inspections_kind(
    visits: AppClient, planned: Planned
) -> None:
    body = planned.visit()
    del body["surprise"]
    response = await visits.post(VISITS, json=body, auth=planned.leader)
    assert response.status_code == 201, response.text
    assert response.json()["surprise"] is True
    again = await visits.post(VISITS, json=body, auth=planned.leader)
    assert again.status_code == 200


async def test_an_ad_hoc_visit_states_its_justification(
    visits: AppClient, planned: Planned
) -> None:
    body = create_visit_body(str(planned.district))
    del body["justification"]
    message = refused(await visits.post(VISITS, json=body, auth=planned.leader), "justification")
    assert message == "A visit outside any scheduled inspection states its justification."
    body = create_visit_body(str(planned.district), team_id=str(planned.team_id))
    response = await visits.post(VISITS, json=body, auth=person("not.on.the.team"))
    refused(response, "team_id")
    response = await visits.post(VISITS, json=body, auth=planned.member)
    assert response.status_code == 201, response.text
    assert response.json()["team_id"] == str(planned.team_id)
    # Named with its version, and one the visits service knows.
    half = create_visit_body(str(planned.district), checklist_id=str(planned.checklist_id))
    refused(await visits.post(VISITS, json=half, auth=planned.leader), "checklist_version")
    unknown = half | {"checklist_version": 9}
    refused(await visits.post(VISITS, json=unknown, auth=planned.leader), "checklist_version")


async def test_only_the_team_records(visits: AppClient, planned: Planned) -> None:
    visit = (await start(visits, planned)).json()
    # The visit of an unsealed inspection: other inspectors see it, so they are told why.
    periodic = await plan(visits.app, kind="periodic")
    open_visit = (await start(visits, periodic)).json()
    path = f"{VISITS}/{open_visit['id']}/attendance-records/{uuid.uuid4()}"
    response = await visits.put(path, json=create_attendance_body(), auth=person("someone.else"))
    assert response.status_code == 403, response.text
    # A sealed inspection's visit is not theirs to know of.
    path = f"{VISITS}/{visit['id']}/attendance-records/{uuid.uuid4()}"
    response = await visits.put(path, json=create_attendance_body(), auth=person("someone.else"))
    assert response.status_code == 404, response.text
    # Nor another province's team, nor the inspectorate (it reads, it does not record).
    away = person(LEADER, Role.TEAM_LEADER, AWAY_CODE)
    assert (await visits.put(path, json=create_attendance_body(), auth=away)).status_code == 404
    inspectorate = person("inspectorate-1", Role.INSPECTORATE)
    response = await visits.put(path, json=create_attendance_body(), auth=inspectorate)
    assert response.status_code == 403
    response = await visits.put(path, json=create_attendance_body(), auth=planned.member)
    assert response.status_code == 201, response.text


async def test_a_team_member_dropped_from_the_team_records_no_more(
    visits: AppClient, planned: Planned
) -> None:
    visit = (await start(visits, planned)).json()
    path = f"{VISITS}/{visit['id']}/attendance-records/{uuid.uuid4()}"
    await announce_team(visits.app, LEADER, team_id=planned.team_id, changed=True)
    response = await visits.put(path, json=create_attendance_body(), auth=person(MEMBER))
    assert response.status_code == 404, response.text


async def test_recording_moves_the_visit_on_and_submission_seals_it(
    visits: AppClient, planned: Planned
) -> None:
    visit = (await start(visits, planned)).json()
    path = f"{VISITS}/{visit['id']}"
    recorded = await visits.put(
        f"{path}/attendance-records/{uuid.uuid4()}",
        json=create_attendance_body(),
        auth=planned.member,
    )
    assert recorded.status_code == 201, recorded.text
    read = await visits.get(path, auth=planned.leader)
    assert (read.json()["status"], read.json()["version"]) == ("recording", 2)
    without = await visits.post(f"{path}/submission", auth=planned.leader)
    assert without.status_code == 428
    stale = await visits.post(
        f"{path}/submission", headers={"If-Match": '"stale"'}, auth=planned.leader
    )
    assert stale.status_code == 412
    submitted = await visits.post(
        f"{path}/submission", headers={"If-Match": read.headers["etag"]}, auth=planned.leader
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["submitted_by"] == LEADER
    assert len(body["digest"]) == 64
    event_type, payload = (await staged(visits))[-1]
    assert event_type == "vn.congvu.visits.visit.submitted.v1"
    assert payload["digest"] == body["digest"]
    again = await visits.post(f"{path}/submission", headers={"If-Match": "*"}, auth=planned.leader)
    assert again.status_code == 409


async def test_no_access_ends_the_visit_with_its_reason(
    visits: AppClient, planned: Planned
) -> None:
    visit = (await start(visits, planned)).json()
    path = f"{VISITS}/{visit['id']}"
    early = {"reason": "site_closed", "at": "2021-02-22T16:00:00+07:00"}
    response = await visits.post(
        f"{path}/no-access", json=early, headers={"If-Match": "*"}, auth=planned.leader
    )
    refused(response, "at")
    body = {"reason": "nobody_received", "at": "2021-02-22T16:20:00+07:00", "note": "Không ai"}
    response = await visits.post(
        f"{path}/no-access", json=body, headers={"If-Match": "*"}, auth=planned.leader
    )
    assert response.status_code == 200, response.text
    sealed = response.json()
    assert sealed["status"] == "no_access"
    assert sealed["no_access"] == body | {"at": "2021-02-22T16:20:00+07:00"}
    assert len(sealed["digest"]) == 64
    event_type, payload = (await staged(visits))[-1]
    assert event_type == "vn.congvu.visits.visit.no-access-recorded.v1"
    assert (payload["reason"], payload["digest"]) == ("nobody_received", sealed["digest"])
    response = await visits.post(
        f"{path}/submission", headers={"If-Match": "*"}, auth=planned.leader
    )
    assert response.status_code == 409


async def test_no_access_is_refused_once_something_was_recorded(
    visits: AppClient, planned: Planned
) -> None:
    visit = (await start(visits, planned)).json()
    path = f"{VISITS}/{visit['id']}"
    await visits.put(
        f"{path}/attendance-records/{uuid.uuid4()}",
        json=create_attendance_body(),
        auth=planned.leader,
    )
    body = {"reason": "site_closed", "at": "2021-02-22T16:20:00+07:00"}
    response = await visits.post(
        f"{path}/no-access", json=body, headers={"If-Match": "*"}, auth=planned.leader
    )
    assert response.status_code == 409, response.text


async def test_lists_page_and_filter(visits: AppClient, planned: Planned) -> None:
    started = [(await start(visits, planned)).json()["id"] for _ in range(3)]
    other = await plan(visits.app, kind="periodic")
    elsewhere = (await start(visits, other)).json()["id"]
    inspectorate = person("inspectorate-1", Role.INSPECTORATE)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", "inspection_id": str(planned.inspection_id)}
        if cursor:
            params["cursor"] = cursor
        page = (await visits.get(VISITS, params=params, auth=inspectorate)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(started)
    by_unit = await visits.get(VISITS, params={"unit_id": str(other.district)}, auth=inspectorate)
    assert [i["id"] for i in by_unit.json()["items"]] == [elsewhere]
    newest = await visits.get(
        VISITS, params={"sort": "-created_at", "limit": "1"}, auth=inspectorate
    )
    assert newest.json()["items"][0]["id"] == elsewhere
    recording = await visits.get(VISITS, params={"status": "recording"}, auth=inspectorate)
    assert recording.json() == {"items": [], "next_cursor": None}
    # Another province's inspectorate finds none of them.
    away = person("inspectorate-2", Role.INSPECTORATE, AWAY_CODE)
    assert (await visits.get(VISITS, auth=away)).json()["items"] == []
