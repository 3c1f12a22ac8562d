"""Offline sync: one request per visit, answered per record, safe to replay."""

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import (
    NO_BROKER,
    create_attendance_body,
    create_headcount,
    create_result_item,
    create_violation_body,
)
from tests.support.planning import staged
from tests.visits.known import Planned, person, plan

VISITS = "/api/v1/visits/visits"
PHOTO = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app)


class Offline:
    """What a device recorded of one visit without a connection: two offices, results, a finding."""

    def __init__(self, planned: Planned) -> None:
        self.visit = planned.visit()
        self.visit_id = self.visit["id"]
        self.path = f"{VISITS}/{self.visit_id}"
        self.attendance = [
            {"id": str(uuid.uuid4()), **create_attendance_body()},
            {"id": str(uuid.uuid4()), **create_attendance_body(office_name="Phòng Tư pháp")},
        ]
        self.results = [create_result_item("GIO.1", "fail"), create_result_item("GIO.2", "pass")]
        self.violations = [
            {
                "id": str(uuid.uuid4()),
                **create_violation_body(str(planned.office), person={"full_name": "Lê Văn Cường"}),
            }
        ]

    def body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "visit": self.visit,
            "attendance": self.attendance,
            "results": self.results,
            "violations": self.violations,
        }
        return body | overrides


async def sync(
    visits: AppClient, planned: Planned, offline: Offline, **overrides: Any
) -> httpx.Response:
    path = f"{offline.path}/sync"
    return await visits.post(path, json=offline.body(**overrides), auth=planned.member)


def outcomes(response: httpx.Response) -> list[tuple[str, str]]:
    return [(entry["kind"], entry["outcome"]) for entry in response.json()["records"]]


async def test_the_first_sync_creates_everything_and_a_replay_changes_nothing(
    visits: AppClient, planned: Planned
) -> None:
    offline = Offline(planned)
    first = await sync(visits, planned, offline)
    assert first.status_code == 200, first.text
    assert outcomes(first) == [
        ("visit", "created"),
        ("attendance", "created"),
        ("attendance", "created"),
        ("result", "created"),
        ("result", "created"),
        ("violation", "created"),
    ]
    assert first.json()["status"] == "recording"
    assert [e["version"] for e in first.json()["records"][1:]] == [1, 1, 1, 1, 1]
    record = (await visits.get(offline.path, auth=planned.leader)).json()
    assert len(record["attendance"]["records"]) == 2
    assert {r["criterion_code"] for r in record["results"]["items"]} == {"GIO.1", "GIO.2"}
    assert record["violations"][0]["person"]["full_name"] == "Lê Văn Cường"
    events = await staged(visits)
    for _ in range(2):
        again = await sync(visits, planned, offline)
        assert again.status_code == 200, again.text
        assert {outcome for _, outcome in outcomes(again)} == {"unchanged"}
        assert again.json()["records"][0]["version"] == first.json()["records"][0]["version"]
    assert await staged(visits) == events


async def test_a_higher_version_updates_a_stale_one_conflicts_with_both_versions(
    visits: AppClient, planned: Planned
) -> None:
    offline = Offline(planned)
    assert (await sync(visits, planned, offline)).status_code == 200
    offline.results[0] = offline.results[0] | {"version": 2, "outcome": "pass"}
    updated = await sync(visits, planned, offline)
    assert updated.status_code == 200, updated.text
    assert outcomes(updated)[3] == ("result", "updated")
    assert updated.json()["records"][3]["version"] == 2
    # Another device still holds version 1 of the result, and of an office, with other content.
    stale = Offline(planned)
    stale.visit, stale.visit_id, stale.path = offline.visit, offline.visit_id, offline.path
    stale.attendance = [
        offline.attendance[0] | {"headcounts": {"civil_servant": create_headcount(6)}},
        {"id": str(uuid.uuid4()), **create_attendance_body(office_name="Phòng Nội vụ 2")},
    ]
    stale.results = [offline.results[0] | {"version": 1, "outcome": "fail", "note": "muộn"}]
    stale.violations = []
    response = await sync(visits, planned, stale)
    assert response.status_code == 409, response.text
    assert outcomes(response) == [
        ("visit", "unchanged"),
        ("attendance", "conflict"),
        ("attendance", "created"),
        ("result", "conflict"),
    ]
    body = response.json()
    assert body["conflicts"] == 2
    office = body["records"][1]
    assert office["version"] == 1
    assert office["server"]["headcounts"]["civil_servant"]["on_roll"] == 5
    assert office["client"]["headcounts"]["civil_servant"]["on_roll"] == 6
    result = body["records"][3]
    assert (result["version"], result["server"]["outcome"], result["server"]["version"]) == (
        2,
        "pass",
        2,
    )
    assert (result["client"]["version"], result["client"]["note"]) == (1, "muộn")
    assert "version 1 is older" in result["detail"]
    # What did not conflict applied, and stays so on a replay.
    replay = await sync(visits, planned, stale)
    assert replay.status_code == 409
    assert outcomes(replay)[2] == ("attendance", "unchanged")
    read = (await visits.get(offline.path, auth=planned.leader)).json()
    assert len(read["attendance"]["records"]) == 3


async def test_an_attendance_that_does_not_add_up_is_rejected_and_the_rest_applies(
    visits: AppClient, planned: Planned
) -> None:
    offline = Offline(planned)
    wrong = create_headcount(5, present=3, late=4)
    offline.attendance[1] = offline.attendance[1] | {"headcounts": {"civil_servant": wrong}}
    offline.results.append(create_result_item("NOPE.1", "pass"))
    response = await sync(visits, planned, offline)
    assert response.status_code == 200, response.text
    assert outcomes(response) == [
        ("visit", "created"),
        ("attendance", "created"),
        ("attendance", "rejected"),
        ("result", "created"),
        ("result", "created"),
        ("result", "rejected"),
        ("violation", "created"),
    ]
    assert response.json()["rejected"] == 2
    office = response.json()["records"][2]
    assert (office["version"], office["server"]) == (None, None)
    assert [e["loc"] for e in office["errors"]] == [
        ["body", "attendance", 1, "headcounts", "civil_servant", "on_roll"],
        ["body", "attendance", 1, "headcounts", "civil_servant", "late"],
    ]
    result = response.json()["records"][5]
    assert result["errors"][0]["loc"] == ["body", "results", 2, "criterion_code"]
    read = (await visits.get(offline.path, auth=planned.leader)).json()
    assert [r["id"] for r in read["attendance"]["records"]] == [offline.attendance[0]["id"]]
    assert len(read["results"]["items"]) == 2
    assert len(read["violations"]) == 1


async def test_a_sealed_visit_keeps_what_it_holds_and_points_to_amendments(
    visits: AppClient, planned: Planned
) -> None:
    offline = Offline(planned)
    assert (await sync(visits, planned, offline)).status_code == 200
    etag = (await visits.get(offline.path, auth=planned.leader)).headers["etag"]
    submitted = await visits.post(
        f"{offline.path}/submission", headers={"If-Match": etag}, auth=planned.leader
    )
    assert submitted.status_code == 200, submitted.text
    replay = await sync(visits, planned, offline)
    assert replay.status_code == 200, replay.text
    assert {outcome for _, outcome in outcomes(replay)} == {"unchanged"}
    offline.results[1] = offline.results[1] | {"version": 2, "outcome": "fail"}
    offline.attendance.append(
        {"id": str(uuid.uuid4()), **create_attendance_body(office_name="Phòng Y tế")}
    )
    late = await sync(visits, planned, offline)
    assert late.status_code == 409, late.text
    assert outcomes(late) == [
        ("visit", "unchanged"),
        ("attendance", "unchanged"),
        ("attendance", "unchanged"),
        ("attendance", "conflict"),
        ("result", "unchanged"),
        ("result", "conflict"),
        ("violation", "unchanged"),
    ]
    result = late.json()["records"][5]
    assert result["amendments"] == f"{offline.path}/amendments"
    assert (result["server"]["outcome"], result["client"]["outcome"]) == ("pass", "fail")
    assert late.json()["records"][3]["server"] is None
    assert late.json()["status"] == "submitted"


async def test_the_answer_lists_the_evidence_still_to_upload(
    visits: AppClient, planned: Planned
) -> None:
    offline = Offline(planned)
    assert (await sync(visits, planned, offline)).status_code == 200
    uploaded = hashlib.sha256(PHOTO).hexdigest()
    put = await visits.put(
        f"{offline.path}/evidence/{uploaded}",
        content=PHOTO,
        headers={"Content-Type": "image/jpeg"},
        auth=planned.member,
    )
    assert put.status_code == 201, put.text
    missing = hashlib.sha256(b"another photo").hexdigest()
    response = await sync(visits, planned, offline, evidence=[missing, uploaded, missing])
    assert response.status_code == 200, response.text
    assert response.json()["evidence"] == {"held": [uploaded], "to_upload": [missing]}


async def test_only_the_team_syncs(visits: AppClient, planned: Planned) -> None:
    offline = Offline(planned)
    assert (await sync(visits, planned, offline)).status_code == 200
    outsider = person("le.van.cuong", Role.INSPECTOR)
    refused = await visits.post(
        f"{offline.path}/sync", json=offline.body(visit=None), auth=outsider
    )
    assert refused.status_code in (403, 404), refused.text
    unit_head = person("pham.thi.dung", Role.UNIT_HEAD)
    refused = await visits.post(
        f"{offline.path}/sync", json=offline.body(visit=None), auth=unit_head
    )
    assert refused.status_code == 403, refused.text


async def test_a_start_that_differs_from_the_stored_one_changes_nothing(
    visits: AppClient, planned: Planned
) -> None:
    offline = Offline(planned)
    assert (await sync(visits, planned, offline)).status_code == 200
    before = (await visits.get(offline.path, auth=planned.leader)).json()
    offline.attendance.append(
        {"id": str(uuid.uuid4()), **create_attendance_body(office_name="Phòng Y tế")}
    )
    response = await sync(visits, planned, offline, visit=offline.visit | {"note": "khác"})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (await visits.get(offline.path, auth=planned.leader)).json() == before
