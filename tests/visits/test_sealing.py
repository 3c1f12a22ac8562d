"""Sealed on submission: no change after it but amendments, under a digest of the record."""

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
from tests.visits.known import LEADER, Planned, person, plan
from visits.models import Visit
from visits.sealing import SealedRecord, digest_of, record_digest, sealed_record

VISITS = "/api/v1/visits/visits"
SUBMITTED = "The visit's record was sealed"


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


@pytest.fixture
async def planned(visits: AppClient) -> Planned:
    return await plan(visits.app)


class Recorded:
    """A visit with an office's attendance, two results and a violation naming a person."""

    def __init__(self, visit_id: str) -> None:
        self.visit_id = visit_id
        self.path = f"{VISITS}/{visit_id}"
        self.attendance_id = str(uuid.uuid4())
        self.violation_id = str(uuid.uuid4())
        self.results = [create_result_item("GIO.1", "fail"), create_result_item("GIO.2", "pass")]


async def record(visits: AppClient, planned: Planned, *, submit: bool = True) -> Recorded:
    response = await visits.post(VISITS, json=planned.visit(), auth=planned.leader)
    assert response.status_code == 201, response.text
    done = Recorded(response.json()["id"])
    steps = [
        (f"{done.path}/attendance-records/{done.attendance_id}", create_attendance_body()),
        (f"{done.path}/results", {"items": done.results}),
        (
            f"{done.path}/violations/{done.violation_id}",
            create_violation_body(str(planned.office), person={"full_name": "Lê Văn Cường"}),
        ),
    ]
    for path, body in steps:
        put = await visits.put(path, json=body, auth=planned.member)
        assert put.status_code in (200, 201), put.text
    if submit:
        etag = (await visits.get(done.path, auth=planned.leader)).headers["etag"]
        submitted = await visits.post(
            f"{done.path}/submission", headers={"If-Match": etag}, auth=planned.leader
        )
        assert submitted.status_code == 200, submitted.text
    return done


def sealed(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["detail"].startswith(SUBMITTED)


async def test_a_submitted_visit_no_longer_changes(visits: AppClient, planned: Planned) -> None:
    done = await record(visits, planned)
    before = (await visits.get(done.path, auth=planned.leader)).json()
    member = planned.member
    office = f"{done.path}/attendance-records"
    sealed(await visits.put(f"{office}/{uuid.uuid4()}", json=create_attendance_body(), auth=member))
    changed = create_attendance_body(version=2, headcounts={"civil_servant": create_headcount(5)})
    sealed(await visits.put(f"{office}/{done.attendance_id}", json=changed, auth=member))
    result = done.results[0] | {"version": 2, "outcome": "pass"}
    sealed(await visits.put(f"{done.path}/results", json={"items": [result]}, auth=member))
    violation = create_violation_body(str(planned.district), version=2)
    sealed(
        await visits.put(f"{done.path}/violations/{done.violation_id}", json=violation, auth=member)
    )
    no_access = {"reason": "site_closed", "at": "2021-02-22T17:00:00+07:00"}
    response = await visits.post(
        f"{done.path}/no-access", json=no_access, headers={"If-Match": "*"}, auth=member
    )
    sealed(response)
    sealed(await visits.post(f"{done.path}/submission", headers={"If-Match": "*"}, auth=member))
    # A device resending what it recorded before the seal changes nothing and is told so.
    resend = await visits.put(
        f"{office}/{done.attendance_id}", json=create_attendance_body(), auth=member
    )
    assert resend.status_code == 200
    assert (await visits.get(done.path, auth=planned.leader)).json() == before


async def test_a_correction_is_an_amendment_beside_the_original(
    visits: AppClient, planned: Planned
) -> None:
    done = await record(visits, planned)
    original = (await visits.get(done.path, auth=planned.leader)).json()
    corrected = create_attendance_body(
        headcounts={
            "civil_servant": create_headcount(5, present=3, absent_with_reason={"leave": 2})
        }
    )
    del corrected["version"]
    amendment = {
        "id": str(uuid.uuid4()),
        "target": "attendance",
        "target_id": done.attendance_id,
        "reason": "Đếm nhầm một công chức nghỉ phép",
        "record": corrected,
    }
    response = await visits.post(f"{done.path}/amendments", json=amendment, auth=planned.member)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["reason"] == "Đếm nhầm một công chức nghỉ phép"
    assert made["amended_by"] == "tran.thi.binh"
    assert made["amended_at"].endswith("+07:00")
    [change] = made["changes"]
    assert change["field"] == "headcounts"
    assert change["before"]["civil_servant"]["present"] == 4
    assert change["after"]["civil_servant"]["present"] == 3
    read = (await visits.get(done.path, auth=planned.leader)).json()
    # The sealed record is as it was, its digest too; the amendment stands beside it.
    assert read["attendance"] == original["attendance"]
    assert read["digest"] == original["digest"]
    assert read["amendments"] == [made]
    again = await visits.post(f"{done.path}/amendments", json=amendment, auth=planned.member)
    assert (again.status_code, again.json()) == (200, made)
    reused = amendment | {"reason": "Khác"}
    assert (
        await visits.post(f"{done.path}/amendments", json=reused, auth=planned.member)
    ).status_code == 409
    # A second correction of the same record compares with the first; digests chain.
    second = amendment | {"id": str(uuid.uuid4()), "reason": "Lại đếm nhầm"}
    second["record"] = corrected | {"office_name": "Phòng Nội vụ huyện"}
    response = await visits.post(f"{done.path}/amendments", json=second, auth=planned.leader)
    assert response.status_code == 201, response.text
    assert [c["field"] for c in response.json()["changes"]] == ["office_name"]
    assert response.json()["digest"] != made["digest"]
    events = [p for t, p in await staged(visits) if t.endswith("visit.amended.v1")]
    assert [(e["target"], e["fields"]) for e in events] == [
        ("attendance", ["headcounts"]),
        ("attendance", ["office_name"]),
    ]
    assert [e["digest"] for e in events] == [made["digest"], response.json()["digest"]]


async def test_an_amendment_is_checked_as_the_record_was(
    visits: AppClient, planned: Planned
) -> None:
    done = await record(visits, planned)
    amendments = f"{done.path}/amendments"

    async def amend(target: str, target_id: str, record: dict[str, Any]) -> httpx.Response:
        body = {
            "id": str(uuid.uuid4()),
            "target": target,
            "target_id": target_id,
            "reason": "Đính chính",
            "record": record,
        }
        return await visits.post(amendments, json=body, auth=planned.leader)

    bad = create_attendance_body(headcounts={"civil_servant": create_headcount(5, present=6)})
    del bad["version"]
    response = await amend("attendance", done.attendance_id, bad)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "attendance", "record", "headcounts", "civil_servant", "on_roll"]
    ]
    response = await amend("result", done.results[0]["id"], {"outcome": "not_applicable"})
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "result", "record", "outcome"]
    ]
    response = await amend("result", str(uuid.uuid4()), {"outcome": "pass"})
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "result", "target_id"]]
    unchanged = await amend("result", done.results[0]["id"], {"outcome": "fail"})
    assert [e["loc"] for e in unchanged.json()["errors"]] == [["body", "result", "record"]]
    fixed = await amend("result", done.results[0]["id"], {"outcome": "pass", "note": "Đúng giờ"})
    assert fixed.status_code == 201, fixed.text
    no_access = {"note": None, "no_access": {"reason": "site_closed", "at": "2021-02-22T17:00:00Z"}}
    response = await amend("visit", done.visit_id, no_access)
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "visit", "record", "no_access"]
    ]
    response = await amend("visit", done.visit_id, {"note": "Ghi chú đính chính"})
    assert response.status_code == 201, response.text


async def test_amending_an_open_visit_is_refused(visits: AppClient, planned: Planned) -> None:
    done = await record(visits, planned, submit=False)
    body = {
        "id": str(uuid.uuid4()),
        "target": "result",
        "target_id": done.results[0]["id"],
        "reason": "Sửa",
        "record": {"outcome": "pass"},
    }
    response = await visits.post(f"{done.path}/amendments", json=body, auth=planned.leader)
    assert response.status_code == 409, response.text


async def test_whom_an_amended_violation_names_stays_hidden(
    visits: AppClient, planned: Planned
) -> None:
    done = await record(visits, planned)
    corrected = create_violation_body(str(planned.office), person={"full_name": "Lê Văn Cương"})
    del corrected["version"]
    body = {
        "id": str(uuid.uuid4()),
        "target": "violation",
        "target_id": done.violation_id,
        "reason": "Sai chính tả họ tên",
        "record": corrected,
    }
    made = await visits.post(f"{done.path}/amendments", json=body, auth=planned.leader)
    assert made.status_code == 201, made.text
    assert made.json()["changes"][0]["after"] == {"full_name": "Lê Văn Cương", "position": None}
    admin = person("admin-1", Role.ADMIN)
    [shown] = (await visits.get(done.path, auth=admin)).json()["amendments"]
    assert shown["changes"] == [{"field": "person", "before": None, "after": None, "hidden": True}]
    assert "Cương" not in str(await staged(visits))


async def _visit(visits: AppClient, visit_id: str) -> tuple[Visit, SealedRecord, str]:
    async with visits.app.state.sessionmaker() as session:
        visit = await session.get_one(Visit, uuid.UUID(visit_id))
        return visit, await sealed_record(session, visit), await digest_of(session, visit)


async def test_the_digest_is_stable_and_covers_every_field(
    visits: AppClient, planned: Planned
) -> None:
    done = await record(visits, planned)
    visit, sealed_now, recomputed = await _visit(visits, done.visit_id)
    assert visit.digest == recomputed
    [(_, submitted)] = [(t, p) for t, p in await staged(visits) if t.endswith("submitted.v1")]
    assert submitted["digest"] == visit.digest
    # Amendments leave the sealed record's digest as it was.
    body = {
        "id": str(uuid.uuid4()),
        "target": "visit",
        "target_id": done.visit_id,
        "reason": "Bổ sung ghi chú",
        "record": {"note": "Ghi chú mới"},
    }
    assert (
        await visits.post(f"{done.path}/amendments", json=body, auth=planned.leader)
    ).status_code == 201
    _, _, after_amendment = await _visit(visits, done.visit_id)
    assert after_amendment == visit.digest

    assert record_digest(sealed_now, []) == visit.digest
    changed = [
        sealed_now.model_copy(
            update={"visit": sealed_now.visit.model_copy(update={"note": "Khác"})}
        ),
        sealed_now.model_copy(
            update={"visit": sealed_now.visit.model_copy(update={"submitted_by": "someone"})}
        ),
        sealed_now.model_copy(
            update={
                "attendance": [
                    sealed_now.attendance[0].model_copy(
                        update={"headcounts": {"civil_servant": {"on_roll": 6}}}
                    )
                ]
            }
        ),
        sealed_now.model_copy(
            update={
                "results": [
                    sealed_now.results[0].model_copy(
                        update={
                            "outcome": "pass" if sealed_now.results[0].outcome == "fail" else "fail"
                        }
                    ),
                    sealed_now.results[1],
                ]
            }
        ),
        sealed_now.model_copy(
            update={
                "violations": [
                    sealed_now.violations[0].model_copy(
                        update={
                            "person": sealed_now.violations[0].person.model_copy(  # type: ignore[union-attr]
                                update={"full_name": "Lê Văn Cuờng"}
                            )
                        }
                    )
                ]
            }
        ),
    ]
    digests = {record_digest(other, []) for other in changed}
    assert len(digests) == len(changed)
    assert visit.digest not in digests
    # Evidence files join the digest, whatever order they are listed in.
    hashes = ["b" * 64, "a" * 64]
    with_evidence = record_digest(sealed_now, hashes)
    assert with_evidence != visit.digest
    assert with_evidence == record_digest(sealed_now, list(reversed(hashes)))


async def test_the_digest_is_of_canonical_json(visits: AppClient, planned: Planned) -> None:
    done = await record(visits, planned)
    _, sealed_now, _ = await _visit(visits, done.visit_id)
    document = sealed_now.model_dump(mode="json")
    assert document["visit"]["started_at"] == "2021-02-22T09:15:00Z"
    assert document["visit"]["started_by"] == LEADER
    assert [r["id"] for r in document["results"]] == sorted(r["id"] for r in done.results)
    assert document["violations"][0]["person"] == {"full_name": "Lê Văn Cường", "position": None}
