"""Through the gateway, every route answers a user of the target unit the same before and
after a surprise inspection of their unit is scheduled: nothing in lists, counts, reports,
errors or status codes gives it away."""

import re
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from servicekit.access import Role
from tests.support.factories import (
    create_checklist_body,
    create_inspection_body,
    create_plan_body,
    create_team_body,
    create_unit_body,
)
from tests.support.gateway import service_policy
from tests.support.stack import Stack

pytestmark = pytest.mark.system
LEADER = "leader-of-the-surprise"
BAC_KAN = "06"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("secrecy"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def made(api: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    response = api.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def wait_until(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "reporting did not catch up"
        time.sleep(0.1)


# Query variants every list is read with: filters that would single the inspection out,
# sorting, and paging one item at a time to the end.
VARIANTS: tuple[dict[str, str], ...] = (
    {},
    {"kind": "surprise"},
    {"status": "scheduled"},
    {"sort": "-window_start"},
    {"limit": "1"},
)


def path_id(ids: dict[str, str], name: str) -> str:
    """Return the id a path parameter takes: the test's own, or one nobody used."""
    if name in ids:
        return ids[name]
    return "0" * 64 if name == "sha256" else str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def read_all(api: httpx.Client, path: str, params: dict[str, str], headers: dict[str, str]) -> Any:
    """Return status and body of a read; for a list, every page, following the cursor."""
    pages: list[Any] = []
    query = dict(params)
    for _ in range(50):
        response = api.get(path, params=query, headers=headers)
        body = response.json() if response.content else None
        pages.append((response.status_code, body))
        cursor = body.get("next_cursor") if isinstance(body, dict) else None
        if not cursor:
            return pages
        query = params | {"cursor": cursor}
    raise AssertionError(f"{path} never reached its last page")


def every_read(api: httpx.Client, ids: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
    """Call every GET operation with these path ids; return what each answered."""
    answers: dict[str, Any] = {}
    for operation in service_policy():
        name = operation.name
        if operation.method != "GET":
            continue
        path = re.sub(r"\{([^}]+)\}", lambda m: path_id(ids, m.group(1)), operation.path)
        variants = VARIANTS if "{" not in operation.path else ({},)
        for params in (*variants, {"target_unit_id": ids["unit_id"]}, {"plan_id": ids["plan_id"]}):
            answers[f"{name} {params}"] = read_all(api, path, params, headers)
    return answers


def median_s(api: httpx.Client, path: str, headers: dict[str, str], times: int = 15) -> float:
    """Return the median time a read takes."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        assert api.get(path, headers=headers).status_code == 404
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def test_every_route_tells_the_target_unit_nothing(stack: Stack) -> None:
    # The Ministry registers the province; the province's admin does the rest.
    province = stack.province(BAC_KAN, "Tỉnh Bắc Kạn")
    admin = stack.bearer(Role.ADMIN, BAC_KAN)
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as api:
        ward = made(
            api,
            "/api/v1/plans/units",
            create_unit_body(name="Phường Sông Cầu", parent_id=province["id"], valid_to=None),
            admin,
        )
        team_body = create_team_body(LEADER, valid_from="2024-01-01", valid_to=None)
        team = made(api, "/api/v1/plans/teams", team_body, admin)
        checklist = made(api, "/api/v1/plans/checklists", create_checklist_body(), admin)
        plan = made(
            api,
            "/api/v1/plans/plans",
            create_plan_body(target_unit_ids=[province["id"]], year=2024),
            admin,
        )
        plan_path = f"/api/v1/plans/plans/{plan['id']}"
        etag = api.get(plan_path, headers=admin).headers["etag"]
        approved = api.post(f"{plan_path}/approval", headers=admin | {"If-Match": etag})
        assert approved.status_code == 200

        ids = {
            "unit_id": ward["id"],
            "team_id": team["id"],
            "checklist_id": checklist["id"],
            "version": "1",
            "plan_id": plan["id"],
            "inspection_id": str(uuid.uuid4()),
            "visit_id": str(uuid.uuid4()),
            "rating_id": str(uuid.uuid4()),
        }
        insiders = {
            "ward head": stack.bearer(Role.UNIT_HEAD, ward["code"]),
            "ward staff": stack.bearer(Role.UNIT_STAFF, ward["code"]),
            "province head": stack.bearer(Role.UNIT_HEAD, province["code"]),
        }
        inspectorate = stack.bearer(Role.INSPECTORATE, BAC_KAN)
        wait_until(
            lambda: (
                api.get(f"/api/v1/reporting/units/{ward['id']}", headers=inspectorate).status_code
                == 200
            )
        )
        before = {who: every_read(api, ids, h) for who, h in insiders.items()}

        body = create_inspection_body(
            plan_id=plan["id"],
            target_unit_id=ward["id"],
            team_id=team["id"],
            checklist_id=checklist["id"],
            window_start="2024-02-19T07:30:00+07:00",
            window_end="2024-02-23T17:00:00+07:00",
        )
        inspection = made(api, "/api/v1/plans/inspections", body, admin)
        # Reporting has caught up once the audit entry of the scheduling is readable.
        wait_until(
            lambda: (
                inspection["id"]
                in api.get(
                    "/api/v1/reporting/audit-entries",
                    params={"operation": "plans.inspections.schedule", "limit": 500},
                    headers=inspectorate,
                ).text
            )
        )

        leader = stack.bearer(Role.TEAM_LEADER, BAC_KAN, subject=LEADER)
        assert inspection["id"] in api.get("/api/v1/plans/inspections", headers=leader).text

        for who, headers in insiders.items():
            after = every_read(api, ids | {"inspection_id": inspection["id"]}, headers)
            text = str(after).replace(inspection["id"], ids["inspection_id"])
            assert text == str(before[who]), who
            assert "2024-02-19" not in str(after), who

        # Nor does timing: a sealed id costs what an unknown one does (the same query runs).
        head = insiders["ward head"]
        sealed_s = median_s(api, f"/api/v1/plans/inspections/{inspection['id']}", head)
        missing_s = median_s(api, f"/api/v1/plans/inspections/{uuid.uuid4()}", head)
        assert sealed_s < 2 * missing_s + 0.01, (sealed_s, missing_s)
