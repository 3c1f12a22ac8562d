"""The whole stack as separate processes, driven only through the gateway."""

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from servicekit.access import Role
from tests.support.directory import rate_when_known_sync
from tests.support.factories import (
    create_checklist_body,
    create_inspection_body,
    create_plan_body,
    create_rating_body,
    create_team_body,
    create_unit_body,
    create_visit_body,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.system
# Where these tests act: a province the demo (run against the same stack last) leaves alone,
# so its figures stay the scenario's.
HA_NOI = "01"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def ha_noi(stack: Stack) -> dict[str, Any]:
    """Hà Nội, registered by the Ministry: its people act within it."""
    return stack.province(HA_NOI, "Thành phố Hà Nội", kind="centrally_run_city")


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    """A client reading as Hà Nội's inspectorate unless a request says otherwise."""
    with httpx.Client(
        base_url=stack.gateway_url, timeout=10, headers=stack.bearer(Role.INSPECTORATE, HA_NOI)
    ) as client:
        yield client


def wait_for_scorecard(api: httpx.Client, unit_id: str, **expected: object) -> dict[str, object]:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = api.get(f"/api/v1/reporting/units/{unit_id}")
        if response.status_code == 200 and all(
            response.json().get(k) == v for k, v in expected.items()
        ):
            card: dict[str, object] = response.json()
            return card
        time.sleep(0.05)
    raise AssertionError(f"reporting never showed {expected} for {unit_id}")


def test_slice_through_the_gateway(api: httpx.Client, stack: Stack, ha_noi: dict[str, Any]) -> None:
    request_id = f"test-{uuid.uuid4()}"
    created = api.post(
        "/api/v1/plans/units",
        json=create_unit_body(
            name="Quận Hoàn Kiếm", level="district", parent_id=ha_noi["id"], valid_to=None
        ),
        headers={"X-Request-ID": request_id} | stack.bearer(Role.ADMIN, HA_NOI),
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == request_id
    unit = created.json()
    assert api.get(created.headers["location"]).json() == unit

    # Visits learns the unit from the registry's events, as citizen-feedback does.
    visit = rate_when_known_sync(
        lambda: api.post(
            "/api/v1/visits/visits",
            json=create_visit_body(unit["id"]),
            headers=stack.bearer(Role.INSPECTOR, HA_NOI),
        )
    )
    assert visit.status_code == 201, visit.text
    # Citizens rate without an account (a signed-in official's rating counts apart).
    for score in (5, 4):
        rating = rate_when_known_sync(
            lambda score=score: httpx.post(
                f"{stack.gateway_url}/api/v1/citizen-feedback/ratings",
                json=create_rating_body(unit["id"], score=score),
                timeout=10,
            )
        )
        assert rating.status_code == 201

    card = wait_for_scorecard(
        api, unit["id"], name="Quận Hoàn Kiếm", visits_started=1, ratings_count=2
    )
    assert card["satisfaction_average"] == 4.5

    with sqlite3.connect(Path(stack.workdir) / "plans.db") as db:
        (headers,) = db.execute(
            "SELECT headers FROM outbox WHERE key = ?", (unit["id"],)
        ).fetchone()
    assert request_id in headers


def test_merged_openapi_and_docs(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for path in (
        "/api/v1/plans/units",
        "/api/v1/visits/visits",
        "/api/v1/citizen-feedback/ratings",
        "/api/v1/reporting/units/{unit_id}",
    ):
        assert path in document["paths"]
    assert "x-missing-services" not in document["info"]
    schemas = document["components"]["schemas"]
    refs = [v for v in _walk(document["paths"]) if v.startswith("#/components/schemas/")]
    assert all(ref.rsplit("/", 1)[1] in schemas for ref in refs)
    assert "swagger" in api.get("/docs").text.lower()
    paths = document["paths"]
    read = paths["/api/v1/plans/inspections/{inspection_id}"]["get"]["responses"]["200"]
    assert "ETag" in read["headers"]
    create = paths["/api/v1/plans/teams"]["post"]["responses"]["201"]
    assert {"ETag", "Location"} <= set(create["headers"])
    listing = paths["/api/v1/plans/teams"]["get"]["responses"]["200"]
    assert "headers" not in listing
    for path in ("/api/v1/plans/teams", "/api/v1/plans/checklists", "/api/v1/plans/plans"):
        assert "sort" in {p["name"] for p in paths[path]["get"]["parameters"]}, path
    for name in ("InspectionRead", "TeamRead", "PlanRead", "ChecklistRead"):
        assert schemas[name]["examples"], name


def _walk(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_oversize_body_is_413_problem(api: httpx.Client) -> None:
    response = api.post(
        "/api/v1/citizen-feedback/ratings",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/plans/%2E%2E/%2E%2E/metrics",
        "/api/v1/plans/units%2F..%2F..%2Fmetrics",
        "/api/v1/plans/..%5C..%5Cmetrics",
    ],
)
def test_encoded_path_tricks_do_not_reach_other_routes(api: httpx.Client, path: str) -> None:
    response = api.get(httpx.URL(api.base_url.join("/")).copy_with(raw_path=path.encode()))
    assert response.status_code == 404
    assert "congvu_http_requests_total" not in response.text


def test_query_string_is_forwarded_as_sent(
    api: httpx.Client, stack: Stack, ha_noi: dict[str, Any]
) -> None:
    code = f"Q{uuid.uuid4().hex[:8]}"
    created = api.post(
        "/api/v1/plans/units",
        json=create_unit_body(code=code, parent_id=ha_noi["id"]),
        headers=stack.bearer(Role.ADMIN, HA_NOI),
    )
    assert created.status_code == 201
    found = api.get("/api/v1/plans/units", params=[("code", code), ("limit", "5")])
    assert [u["id"] for u in found.json()["items"]] == [created.json()["id"]]
    assert api.get("/api/v1/plans/units", params={"code": "Hạ Long"}).json()["items"] == []


def test_unknown_service_is_404_problem(api: httpx.Client) -> None:
    response = api.get("/api/v1/nowhere/things")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_service_down_is_503_with_retry_after(api: httpx.Client, stack: Stack) -> None:
    stack.stop_app("visits")
    try:
        response = api.post(
            "/api/v1/visits/visits",
            json=create_visit_body(str(uuid.uuid4())),
            headers=stack.bearer(Role.INSPECTOR, HA_NOI),
        )
        assert response.status_code == 503
        assert response.headers["retry-after"].isdigit()
        assert response.headers["content-type"] == "application/problem+json"
        assert api.get("/readyz").status_code == 503
    finally:
        stack.start_app("visits")
        stack.wait_ready(30)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    resource: dict[str, Any] = response.json()
    return resource


def test_each_province_plans_and_sees_only_its_own(stack: Stack) -> None:
    """Trà Vinh's inspectorate cannot inspect a unit of Nghệ An, Nghệ An's finds nothing of
    Trà Vinh's plan, and the Ministry reads it: the tenancy rule through the gateway."""
    units = "/api/v1/plans/units"
    english = {"Accept-Language": "en"}
    nghe_an = stack.province("40", "Nghệ An")
    tra_vinh = stack.province("84", "Tỉnh Trà Vinh", valid_to="2025-06-30")
    ministry = stack.bearer(Role.NATIONAL)
    tv_admin, tv_inspectorate = (stack.bearer(r, "84") for r in (Role.ADMIN, Role.INSPECTORATE))
    na_inspectorate = stack.bearer(Role.INSPECTORATE, "40")
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as api:
        commune = create_unit_body(name="Xã Tam Quang", level="commune", parent_id=nghe_an["id"])
        in_nghe_an = created(
            api.post(
                units, json=commune | {"valid_to": None}, headers=stack.bearer(Role.ADMIN, "40")
            )
        )
        district = create_unit_body(name="Huyện Cầu Kè", parent_id=tra_vinh["id"])
        in_tra_vinh = created(api.post(units, json=district, headers=tv_admin))
        team_body = create_team_body(
            "tv-truong-doan",
            valid_from="2024-01-01",
            valid_to="2024-12-31",
            decision_issuer="UBND tỉnh Trà Vinh",
        )
        team = created(api.post("/api/v1/plans/teams", json=team_body, headers=tv_inspectorate))
        checklist = created(
            api.post(
                "/api/v1/plans/checklists", json=create_checklist_body(), headers=tv_inspectorate
            )
        )
        plan_body = create_plan_body(
            target_unit_ids=[in_tra_vinh["id"]], year=2024, issuer="UBND tỉnh Trà Vinh"
        )
        # Trà Vinh plans within Trà Vinh: a plan naming a unit of Nghệ An is refused.
        naming = api.post(
            "/api/v1/plans/plans",
            json=plan_body | {"target_unit_ids": [in_nghe_an["id"]]},
            headers=tv_inspectorate | english,
        )
        assert naming.status_code == 422, naming.text
        assert naming.json()["errors"][0]["loc"] == ["body", "target_unit_ids", 0]
        # The Ministry reads everything but plans nothing.
        drafted = api.post("/api/v1/plans/plans", json=plan_body, headers=ministry)
        assert drafted.status_code == 403, drafted.text
        plan = created(api.post("/api/v1/plans/plans", json=plan_body, headers=tv_inspectorate))
        plan_path = f"/api/v1/plans/plans/{plan['id']}"
        etag = api.get(plan_path, headers=tv_admin).headers["etag"]
        approval = api.post(f"{plan_path}/approval", headers=tv_admin | {"If-Match": etag})
        assert approval.status_code == 200, approval.text

        schedule = create_inspection_body(
            plan_id=plan["id"],
            target_unit_id=in_nghe_an["id"],
            team_id=team["id"],
            checklist_id=checklist["id"],
            window_start="2024-03-04T07:30:00+07:00",
            window_end="2024-03-06T17:00:00+07:00",
        )
        elsewhere = api.post(
            "/api/v1/plans/inspections", json=schedule, headers=tv_inspectorate | english
        )
        # Not "the plan does not cover it": for Trà Vinh, Nghệ An's unit does not exist.
        assert elsewhere.status_code == 422, elsewhere.text
        assert elsewhere.json()["errors"] == [
            {"loc": ["body", "target_unit_id"], "msg": "No unit has this id."}
        ]
        inspection = created(
            api.post(
                "/api/v1/plans/inspections",
                json=schedule | {"target_unit_id": in_tra_vinh["id"]},
                headers=tv_inspectorate,
            )
        )

        for path in (
            plan_path,
            f"/api/v1/plans/inspections/{inspection['id']}",
            f"/api/v1/plans/teams/{team['id']}",
            f"/api/v1/plans/units/{in_tra_vinh['id']}",
        ):
            assert api.get(path, headers=na_inspectorate).status_code == 404, path
        for path, params in (
            ("/api/v1/plans/plans", {"year": "2024"}),
            ("/api/v1/plans/inspections", {"plan_id": plan["id"]}),
            ("/api/v1/plans/teams", {"member": "tv-truong-doan"}),
        ):
            listed = api.get(path, params=params, headers=na_inspectorate)
            assert listed.status_code == 200, path
            assert listed.json()["items"] == [], path

        read = api.get(plan_path, headers=ministry)
        assert read.status_code == 200
        assert (read.json()["id"], read.json()["status"]) == (plan["id"], "approved")
        assert read.json()["resolved_target_unit_ids"] == [in_tra_vinh["id"]]
        listed = api.get(
            "/api/v1/plans/inspections", params={"plan_id": plan["id"]}, headers=ministry
        )
        assert [i["id"] for i in listed.json()["items"]] == [inspection["id"]]
        assert api.get(f"/api/v1/plans/teams/{team['id']}", headers=ministry).status_code == 200


def test_make_demo_schedules_the_seed_inspections(stack: Stack) -> None:
    env = {**os.environ, "DATABASE_URL": stack.database_url("plans")}
    subprocess.run(
        [sys.executable, "-m", "plans.checklists.defaults"], env=env, check=True, timeout=60
    )
    demo = [
        sys.executable,
        "-m",
        "devstack.demo",
        "--gateway",
        stack.gateway_url,
        "--keys",
        str(stack.keys_dir),
    ]
    output = subprocess.run(demo, capture_output=True, text=True, timeout=120, check=True).stdout
    schedule = output.split("Bảng tổng hợp")[0]
    rows = [line for line in schedule.splitlines() if "Đột xuất" in line]
    # Bắc Kạn's 8 wards, Nghệ An's 3 districts, Hạ Long's 2 wards by its 2 teams.
    assert len(rows) == 13
    started = {line.split("  ")[0] for line in rows if line.rstrip().endswith("Đã bắt đầu")}
    assert started == {
        "Huyện Kỳ Sơn",
        "Huyện Con Cuông",
        "Huyện Thanh Chương",
        "Phường Sông Cầu",
        "Phường Hạ Long",
        "Phường Hồng Gai",
    }
    assert sum("Đã lên lịch, giữ kín" in line for line in rows) == 7
    assert {"Tổ số 1", "Tổ số 2"} <= {part.strip() for line in rows for part in line.split("  ")}
    assert "Lãnh đạo Phường Sông Cầu thấy 1 cuộc kiểm tra" in output
    assert "Lãnh đạo Phường Nguyễn Thị Minh Khai thấy 0 cuộc kiểm tra" in output
    # The Nghệ An visits with the report's headcounts and findings, recorded and submitted.
    for line in (
        "Huyện Kỳ Sơn: 9 phòng, ban; 40 người theo danh sách, 27 có mặt, 13 vắng có lý do,"
        " 0 vắng không lý do; đạt 7/7 điểm; 0 vi phạm; biên bản đã nộp.",
        "Xã Mường Lống: 1 phòng, ban; 22 người theo danh sách, 19 có mặt, 3 vắng có lý do,"
        " 0 vắng không lý do; đạt 6/9 điểm; 1 vi phạm; biên bản đã nộp.",
        "Xã Lạng Khê: 1 phòng, ban; 20 người theo danh sách, 15 có mặt, 5 vắng có lý do,"
        " 0 vắng không lý do; đạt 5/8 điểm; 2 vi phạm; biên bản đã nộp.",
    ):
        assert line in output, output
    # The scorecard: inspections and visits apart, a parent's figures rolling up its units'.
    cards = scorecard_rows(output)
    assert cards["DEMO-NA-KY-SON"] == ("1", "2", "0", "–")  # One inspection, two visits.
    assert cards["DEMO-NA-MUONG-LONG"] == ("0", "1", "0", "–")
    assert cards["40"] == ("3", "6", "0", "–")
    assert cards["DEMO-BK-TP"] == cards["DEMO-BAC-KAN"] == ("1", "1", "0", "–")
    assert cards["DEMO-BK-NTMK"] == ("0", "0", "0", "–")
    assert cards["06688"] == ("1", "1", "5", "4.80")
    assert cards["22"] == ("2", "2", "8", "4.50")
    again = subprocess.run(demo, capture_output=True, text=True, timeout=120, check=True).stdout
    assert again.split("Bảng tổng hợp")[0] == schedule
    assert scorecard_rows(again) == cards


def scorecard_rows(output: str) -> dict[str, tuple[str, ...]]:
    """Return the demo's printed scorecard: the figures of each unit, by its code."""
    lines = output.split("Bảng tổng hợp")[1].split("\n\n")[1].splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    assert header[3:] == [
        "Số cuộc kiểm tra",
        "Số lượt kiểm tra",
        "Lượt đánh giá của người dân",
        "Hài lòng TB",
    ]
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[2:]]
    return {row[0]: tuple(row[3:]) for row in rows}
