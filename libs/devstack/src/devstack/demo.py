"""`make demo`: drive the seed scenario through the gateway and print what reporting shows.

Every call is made by the person who makes it in real life, each with a token of their own:
the Ministry of Home Affairs (`national`) keeps the national list of administrative units
(provinces, districts, communes) and reads the summary across every province; a province's
admin registers the province's own agencies beneath them and approves its plans; its
inspectorate forms its teams, drafts its plans and schedules their inspections; its team
leaders start the visits, and in Nghệ An record what they found and submit it; heads of
inspected units read what they may; citizens rate without an account.
"""

import argparse
import sys
import time
import uuid
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from devstack.scenario import (
    PLANS,
    PROVINCES,
    RECORDS,
    TEAMS,
    UNITS,
    DemoInspection,
    DemoPlan,
    DemoRecord,
    DemoTeam,
    DemoUnit,
    province_of,
)
from devstack.token import mint_token
from servicekit.access import Role

# Visit, record and result ids and rating idempotency keys derive from the scenario: a second
# run adds nothing.
VISIT_NAMESPACE = uuid.UUID("5d3f8a4e-2b7c-4f1e-9a6d-0c8b7e6f5a41")
COLUMNS = (
    "Mã",
    "Đơn vị",
    "Cấp",
    "Số cuộc kiểm tra",
    "Số lượt kiểm tra",
    "Lượt đánh giá của người dân",
    "Hài lòng TB",
)
# What each column shows, and what reporting must show before the demo prints it.
FIGURES = ("inspections_started", "visits_started", "ratings_count")
KINDS = {"surprise": "Đột xuất", "periodic": "Theo kế hoạch", "thematic": "Chuyên đề"}
STATUSES = {"draft": "Dự thảo", "approved": "Đã duyệt", "closed": "Đã kết thúc"}
DEFAULT_CHECKLIST = "(mặc định)"
# The units on the Ministry's national list; any other unit is a province's own agency.
ADMINISTRATIVE = frozenset({"province", "district", "commune"})
# What visits and citizen-feedback answer, in either language, for a unit whose
# registration has not reached them yet.
UNIT_NOT_KNOWN = frozenset(
    {
        "No registered unit has this id.",
        "Không có đơn vị nào trong danh mục có mã định danh này.",
    }
)
# What visits answers, in either language, while a checklist version has not reached it.
CHECKLIST_NOT_KNOWN = (
    "has not reached the visits service yet",
    "chưa được cập nhật sang dịch vụ kiểm tra tại đơn vị",
)
# Why the scenario's visits outside any inspection take place.
AD_HOC = "Kiểm tra đột xuất theo chỉ đạo của UBND tỉnh (demo)"


# Citizens rate without an account: their calls carry no credentials.
CITIZEN = httpx.Auth()


class Person(httpx.Auth):
    """One person signed in: each request they send carries their bearer token."""

    def __init__(self, token: str) -> None:
        self.authorization = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization
        yield request


class People:
    """The people of the scenario, each with a local token (`auth=` of the calls they make).

    The Ministry's token names no unit. Everyone else's names the unit they work in, which
    sets the province they act for: a province's officials name the province, a unit head
    their unit. Subjects are stable (Idempotency-Keys belong to their caller, and a team
    member is matched by subject), so a rerun finds and replays what the first run did.
    """

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._signed_in: dict[tuple[Role, str | None, str | None], Person] = {}

    def _person(self, role: Role, unit: str | None, subject: str | None) -> Person:
        key = (role, unit, subject)
        if key not in self._signed_in:
            token = mint_token(role, unit, keys_dir=self.keys_dir, subject=subject)
            self._signed_in[key] = Person(token)
        return self._signed_in[key]

    @property
    def ministry(self) -> Person:
        """Return the Ministry of Home Affairs: every province, the national registry."""
        return self._person(Role.NATIONAL, None, "demo.bo-noi-vu")

    def official(self, role: Role, province: str) -> Person:
        """Return the province's admin, inspectorate or inspector (`province`: its code)."""
        return self._person(role, province, f"demo.{PROVINCES[province]}.{role.value}")

    def team_leader(self, subject: str, province: str) -> Person:
        """Return a team's leader, of the team's province: only the team starts its visits."""
        return self._person(Role.TEAM_LEADER, province, subject)

    def unit_head(self, unit_code: str) -> Person:
        """Return the head of a unit."""
        return self._person(Role.UNIT_HEAD, unit_code, None)


def created(response: httpx.Response, what: str) -> dict[str, Any]:
    """Return the created resource, or stop the demo saying what failed."""
    if response.status_code != 201:
        raise SystemExit(f"{what} failed: {response.status_code} {response.text}")
    resource: dict[str, Any] = response.json()
    return resource


def register(api: httpx.Client, unit: DemoUnit, ids: dict[str, str], registrar: Person) -> str:
    """Register a unit, or find it if the registry already has it; return its id."""
    body: dict[str, Any] = {"code": unit.code, "name": unit.name, "level": unit.level}
    if unit.kind is not None:
        body["kind"] = unit.kind
    if unit.parent is not None:
        body["parent_id"] = ids[unit.parent]
    if unit.valid_from is not None:
        body["valid_from"] = unit.valid_from
    if unit.valid_to is not None:
        body["valid_to"] = unit.valid_to
    response = api.post("/api/v1/plans/units", json=body, auth=registrar)
    if response.status_code == 409:
        params = {"code": unit.code}
        found = api.get("/api/v1/plans/units", params=params, auth=registrar).json()["items"]
        if not found:
            raise SystemExit(f"registering {unit.name} failed: {response.text}")
        return str(found[0]["id"])
    return str(created(response, f"registering {unit.name}")["id"])


def form_team(api: httpx.Client, team: DemoTeam, inspectorate: Person) -> str:
    """Found a team, or find the one an earlier run founded; return its id."""
    leader = team.members[0].subject
    teams = api.get("/api/v1/plans/teams", params={"member": leader}, auth=inspectorate)
    for found in teams.json()["items"]:
        if found["name"] == team.name:
            return str(found["id"])
    body = {
        "name": team.name,
        "decision_number": team.decision_number,
        "decision_date": team.decision_date,
        "decision_issuer": team.decision_issuer,
        "members": [asdict(m) for m in team.members],
        "valid_from": team.valid_from,
        "valid_to": team.valid_to,
    }
    response = api.post("/api/v1/plans/teams", json=body, auth=inspectorate)
    return str(created(response, f"forming {team.name}")["id"])


def default_checklist(api: httpx.Client, inspectorate: Person) -> str:
    """Return the id of the Ministry's default checklist `make up` installs.

    It belongs to no province: every province's inspectorate finds it and schedules with it.
    """
    listed = api.get("/api/v1/plans/checklists", params={"limit": 500}, auth=inspectorate)
    for checklist in listed.json()["items"]:
        if checklist["current"]["name"].endswith(DEFAULT_CHECKLIST):
            return str(checklist["id"])
    raise SystemExit("The default checklist is missing: run `make reference-data`.")


def approved_plan(
    api: httpx.Client, plan: DemoPlan, ids: dict[str, str], people: People
) -> dict[str, Any]:
    """Have the province's inspectorate draft a plan and its admin approve it, or find the
    plan an earlier run made; return it."""
    inspectorate = people.official(Role.INSPECTORATE, plan.province)
    admin = people.official(Role.ADMIN, plan.province)
    params = {"year": plan.year, "limit": 500}
    listed = api.get("/api/v1/plans/plans", params=params, auth=inspectorate).json()
    found = [p for p in listed["items"] if (p["number"], p["issuer"]) == (plan.number, plan.issuer)]
    if found:
        current: dict[str, Any] = found[0]
    else:
        body: dict[str, Any] = {
            "number": plan.number,
            "title": plan.title,
            "issuer": plan.issuer,
            "year": plan.year,
            "kind": plan.kind,
            "objectives": plan.objectives,
            "target_unit_ids": [ids[code] for code in plan.targets],
            "target_categories": list(plan.categories),
            "scope_unit_id": ids[plan.scope] if plan.scope else None,
            "issued_on": plan.issued_on,
        }
        if plan.signer_position is not None:
            body["signer"] = {"position": plan.signer_position}
        response = api.post("/api/v1/plans/plans", json=body, auth=inspectorate)
        current = created(response, f"drafting {plan.number}")
    if current["status"] == "draft":
        path = f"/api/v1/plans/plans/{current['id']}"
        etag = api.get(path, auth=admin).headers["etag"]
        # A past plan is approved on the day its officials approved it, not today.
        approval = {"approved_on": plan.approved_on} if plan.approved_on else {}
        response = api.post(
            f"{path}/approval", json=approval, headers={"If-Match": etag}, auth=admin
        )
        if response.status_code != 200:
            raise SystemExit(
                f"approving {plan.number} failed: {response.status_code} {response.text}"
            )
        current = response.json()
    return current


def schedule(
    api: httpx.Client,
    plan_id: str,
    inspection: DemoInspection,
    team_id: str,
    checklist_id: str,
    inspectorate: Person,
) -> dict[str, Any]:
    """Schedule an inspection, or find the one an earlier run scheduled; return it."""
    body = {
        "plan_id": plan_id,
        "target_unit_id": inspection.target,
        "kind": inspection.kind,
        "window_start": inspection.window_start,
        "window_end": inspection.window_end,
        "team_id": team_id,
        "checklist_id": checklist_id,
    }
    params: dict[str, str | int] = {
        "plan_id": plan_id,
        "target_unit_id": inspection.target,
        "limit": 500,
    }
    listed = api.get("/api/v1/plans/inspections", params=params, auth=inspectorate)
    for found in listed.json()["items"]:
        if found["status"] != "cancelled" and found["kind"] == inspection.kind:
            return dict(found)
    response = api.post("/api/v1/plans/inspections", json=body, auth=inspectorate)
    return created(response, "scheduling an inspection")


def unit_not_known(response: httpx.Response) -> bool:
    """Tell whether a service refused a unit because its registration has not reached it."""
    if response.status_code != 422:
        return False
    return any(
        e.get("loc") == ["body", "unit_id"] and e.get("msg") in UNIT_NOT_KNOWN
        for e in response.json().get("errors") or []
    )


def inspection_not_known(response: httpx.Response) -> bool:
    """Tell whether visits refused an inspection because plans' events have not reached it."""
    if response.status_code != 422:
        return False
    return any(
        e.get("loc") == ["body", "inspection_id"] for e in response.json().get("errors") or []
    )


def checklist_not_known(response: httpx.Response) -> bool:
    """Tell whether visits refused results because the pinned checklist has not reached it."""
    return response.status_code == 409 and any(m in response.text for m in CHECKLIST_NOT_KNOWN)


def once_known(
    api: httpx.Client,
    path: str,
    body: dict[str, Any],
    what: str,
    *,
    auth: httpx.Auth,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    timeout_s: float = 120.0,
) -> dict[str, Any]:
    """Send about a unit, again until what it names has reached the service; return the answer.

    Visits and citizen-feedback learn the registry, and visits the inspections, their teams
    and checklists, from the plans service's events: right after a first `make up` they are
    still reading the 3,355 imported units (about a minute on two cores), so a visit or a
    rating waits for its unit, a visit for its inspection, results for their checklist.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.request(method, path, json=body, headers=headers, auth=auth)
        waiting = (
            unit_not_known(response)
            or inspection_not_known(response)
            or checklist_not_known(response)
        )
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if response.is_error:
        raise SystemExit(f"{what} failed: {response.status_code} {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


def record_visit(
    api: httpx.Client,
    visit: dict[str, Any],
    record: DemoRecord,
    unit: DemoUnit,
    unit_id: str,
    recorder: Person,
) -> dict[str, Any]:
    """Record a visit's attendance, checklist results and violations, then submit it; a visit
    an earlier run submitted is left as it is. Return the visit as submitted."""
    path = f"/api/v1/visits/visits/{visit['id']}"
    if visit["status"] == "submitted":
        return visit
    key = f"{record.unit}/{record.started_at}"
    for index, office in enumerate(record.offices):
        body = {
            "version": 1,
            "office_name": office.name,
            "observed_at": record.observed_at,
            "headcounts": office.headcounts,
        }
        record_id = uuid.uuid5(VISIT_NAMESPACE, f"{key}/attendance/{index}")
        what = f"recording attendance of {office.name}, {unit.name}"
        once_known(
            api, f"{path}/attendance-records/{record_id}", body, what, auth=recorder, method="PUT"
        )
    items = [
        {
            "id": str(uuid.uuid5(VISIT_NAMESPACE, f"{key}/result/{criterion}")),
            "version": 1,
            "criterion_code": criterion,
            "outcome": outcome,
            "note": note,
        }
        for criterion, outcome, note in record.results
    ]
    what = f"recording checklist results at {unit.name}"
    once_known(api, f"{path}/results", {"items": items}, what, auth=recorder, method="PUT")
    for index, violation in enumerate(record.violations):
        body = {
            "version": 1,
            "category_code": violation.category,
            "criterion_code": violation.criterion,
            "severity": violation.severity,
            "unit_id": unit_id,
            "description": violation.description,
            "observed_at": record.observed_at,
        }
        violation_id = uuid.uuid5(VISIT_NAMESPACE, f"{key}/violation/{index}")
        what = f"recording a violation at {unit.name}"
        once_known(
            api, f"{path}/violations/{violation_id}", body, what, auth=recorder, method="PUT"
        )
    etag = api.get(path, auth=recorder).headers["etag"]
    response = api.post(f"{path}/submission", headers={"If-Match": etag}, auth=recorder)
    if response.status_code != 200:
        raise SystemExit(
            f"submitting the visit at {unit.name} failed: {response.status_code} {response.text}"
        )
    submitted: dict[str, Any] = response.json()
    return submitted


@dataclass
class Outcome:
    """What the demo did and what reporting and plans then show."""

    cards: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    names: dict[str, str]
    team_names: dict[str, str]
    records: list[dict[str, Any]]


def registrar_of(unit: DemoUnit, people: People) -> Person:
    """Return who registers a unit: the Ministry an administrative unit, the province its own
    agencies (beneath a unit of the province, as a province's admin must)."""
    if unit.level in ADMINISTRATIVE:
        return people.ministry
    return people.official(Role.ADMIN, province_of(unit.code))


def run(api: httpx.Client, people: People) -> Outcome:
    """Send the scenario; return what reporting and plans then show."""
    ids: dict[str, str] = {}
    for unit in UNITS:
        ids[unit.code] = register(api, unit, ids, registrar_of(unit, people))
    teams = {team.key: team for team in TEAMS}
    team_ids = {
        team.key: form_team(api, team, people.official(Role.INSPECTORATE, team.province))
        for team in TEAMS
    }
    # Every province schedules with the Ministry's default checklist.
    checklists = {
        plan.province: default_checklist(api, people.official(Role.INSPECTORATE, plan.province))
        for plan in PLANS
    }
    plans, inspections = [], []
    # The scheduled inspection each scenario visit carries out, and the team that carries it.
    carried: dict[tuple[str, str], tuple[str, DemoTeam]] = {}
    for plan in PLANS:
        current = approved_plan(api, plan, ids, people)
        plans.append(current)
        inspectorate = people.official(Role.INSPECTORATE, plan.province)
        for planned in plan.inspections:
            target = replace(planned, target=ids[planned.target])
            team_id, checklist_id = team_ids[planned.team], checklists[plan.province]
            inspection = schedule(api, current["id"], target, team_id, checklist_id, inspectorate)
            inspections.append(inspection)
            carrying = [(planned.target, planned.visit_at)] if planned.visit_at else []
            for visit_key in (*carrying, *planned.more_visits):
                carried[visit_key] = (inspection["id"], teams[planned.team])
    records = {(r.unit, r.started_at): r for r in RECORDS}
    submitted = []
    for unit in UNITS:
        for started_at, note in unit.visits:
            inspection_id, team = carried.get((unit.code, started_at), (None, None))
            visit: dict[str, Any] = {
                "id": str(uuid.uuid5(VISIT_NAMESPACE, f"{unit.code}/{started_at}")),
                "unit_id": ids[unit.code],
                "started_at": started_at,
                "surprise": True,
                "note": note,
                "inspection_id": inspection_id,
            }
            if inspection_id is None:
                visit["justification"] = AD_HOC
            # The leader of the inspection's team starts it; a visit outside any inspection
            # is an inspector's of the unit's province.
            visitor = (
                people.team_leader(team.members[0].subject, team.province)
                if team is not None
                else people.official(Role.INSPECTOR, province_of(unit.code))
            )
            what = f"starting the visit at {unit.name}"
            started = once_known(api, "/api/v1/visits/visits", visit, what, auth=visitor)
            if (record := records.get((unit.code, started_at))) is not None:
                submitted.append(record_visit(api, started, record, unit, ids[unit.code], visitor))
        for index, score in enumerate(unit.ratings):
            rating = {"unit_id": ids[unit.code], "score": score, "service": "Chứng thực bản sao"}
            key = str(uuid.uuid5(VISIT_NAMESPACE, f"{unit.code}/rating/{index}"))
            once_known(
                api,
                "/api/v1/citizen-feedback/ratings",
                rating,
                f"rating {unit.name}",
                auth=CITIZEN,
                headers={"Idempotency-Key": key},
            )
    # The Ministry reads the summary: every province shows.
    ministry = people.ministry
    figures = expected_figures()
    cards = [wait_for_scorecard(api, ids[u.code], u, figures[u.code], ministry) for u in UNITS]
    begun = {inspection_id for inspection_id, _ in carried.values()}
    inspections = [
        wait_for_inspection(api, i["id"], "started" if i["id"] in begun else i["status"], ministry)
        for i in inspections
    ]
    names = {
        unit_id: next(c["name"] for c in cards if c["unit_id"] == unit_id)
        for unit_id in ids.values()
    }
    team_names = {team_ids[t.key]: t.short for t in TEAMS}
    return Outcome(cards, plans, inspections, names, team_names, submitted)


def wait_for_inspection(
    api: httpx.Client, inspection_id: str, status: str, reader: Person, timeout_s: float = 30.0
) -> dict[str, Any]:
    """Wait until plans shows the inspection in `status` (a visit starts it over the broker)."""
    deadline = time.monotonic() + timeout_s
    path = f"/api/v1/plans/inspections/{inspection_id}"
    while True:
        inspection: dict[str, Any] = api.get(path, auth=reader).json()
        if inspection.get("status") == status:
            return inspection
        if time.monotonic() > deadline:
            raise SystemExit(f"inspection {inspection_id} did not become {status}")
        time.sleep(0.1)


def expected_figures() -> dict[str, Counter[str]]:
    """Return, by unit code, the figures the scenario gives each unit and the units beneath."""
    own = {
        u.code: Counter(visits_started=len(u.visits), ratings_count=len(u.ratings)) for u in UNITS
    }
    for plan in PLANS:
        for planned in plan.inspections:
            if planned.visit_at is not None or planned.more_visits:
                own[planned.target]["inspections_started"] += 1
    parents = {u.code: u.parent for u in UNITS}
    totals: dict[str, Counter[str]] = {code: Counter() for code in own}
    for code, figures in own.items():
        at: str | None = code
        while at is not None:
            totals[at].update(figures)
            at = parents[at]
    return totals


def wait_for_scorecard(
    api: httpx.Client,
    unit_id: str,
    unit: DemoUnit,
    figures: Counter[str],
    reader: Person,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Wait until reporting shows the unit with at least the scenario's figures."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.get(f"/api/v1/reporting/units/{unit_id}", auth=reader)
        if response.status_code == 200:
            card: dict[str, Any] = response.json()
            # Registry names win: official units keep the name the official list gives.
            if card["name"] is not None and all(card[f] >= figures[f] for f in FIGURES):
                return card
        if time.monotonic() > deadline:
            raise SystemExit(f"reporting did not show {unit.name} within {timeout_s:.0f}s")
        time.sleep(0.1)


def table(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """Return rows as a plain-text table under `columns`."""
    widths = [max(len(r[i]) for r in (columns, *rows)) for i in range(len(columns))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in (columns, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(cards: list[dict[str, Any]]) -> str:
    """Return the scorecards as a plain-text table with Vietnamese headings."""
    rows = [
        (
            c["code"],
            c["name"],
            c["level_label"].split(" (")[0],
            *(str(c[f]) for f in FIGURES),
            "–" if c["satisfaction_average"] is None else f"{c['satisfaction_average']:.2f}",
        )
        for c in cards
    ]
    return table(COLUMNS, rows)


def when(moment: str) -> str:
    """Return an RFC 3339 time as Vietnamese readers write it: 22/02/2021 07:00."""
    return datetime.fromisoformat(moment).strftime("%d/%m/%Y %H:%M")


def render_schedule(outcome: Outcome) -> str:
    """Return the plans and their inspections as plain-text tables."""
    counts = Counter(i["plan_id"] for i in outcome.inspections)
    plans = table(
        ("Số", "Cơ quan ban hành", "Năm", "Trạng thái", "Số đơn vị đối tượng", "Số cuộc"),
        [
            (
                p["number"],
                p["issuer"],
                str(p["year"]),
                STATUSES[p["status"]],
                str(len(p["resolved_target_unit_ids"])),
                str(counts[p["id"]]),
            )
            for p in outcome.plans
        ],
    )
    inspections = table(
        ("Đơn vị", "Loại", "Từ", "Đến", "Đoàn", "Trạng thái"),
        [
            (
                outcome.names[i["target_unit_id"]],
                KINDS[i["kind"]],
                when(i["window_start"]),
                when(i["window_end"]),
                outcome.team_names[i["team_id"]],
                "Đã bắt đầu"
                if i["status"] == "started"
                else "Đã lên lịch, giữ kín"
                if i["sealed"]
                else "Đã lên lịch",
            )
            for i in outcome.inspections
        ],
    )
    return f"{plans}\n\n{inspections}"


def render_records(outcome: Outcome) -> str:
    """Return what the submitted visits recorded: attendance, score and violations."""
    lines = []
    for visit in outcome.records:
        total = visit["attendance"]["total"]
        absent = sum(total["absent_with_reason"].values())
        score = visit["results"]["score"]
        lines.append(
            f"{outcome.names[visit['unit_id']]}: {len(visit['attendance']['records'])} phòng,"
            f" ban; {total['on_roll']} người theo danh sách, {total['present']} có mặt,"
            f" {absent} vắng có lý do, {total['absent_without_reason']} vắng không lý do;"
            f" đạt {score['points']}/{score['possible']} điểm;"
            f" {len(visit['violations'])} vi phạm; biên bản đã nộp."
        )
    return "\n".join(lines)


def secrecy(api: httpx.Client, people: People, outcome: Outcome) -> str:
    """Return what heads of inspected units see of inspections of their own unit."""
    lines = []
    codes = {c["unit_id"]: c["code"] for c in outcome.cards}
    for inspection in outcome.inspections[3:5]:
        code = codes[inspection["target_unit_id"]]
        seen = api.get("/api/v1/plans/inspections", auth=people.unit_head(code)).json()
        lines.append(
            f"Lãnh đạo {outcome.names[inspection['target_unit_id']]} thấy"
            f" {len(seen['items'])} cuộc kiểm tra về đơn vị mình"
            + (" (cuộc kiểm tra đột xuất còn giữ kín)." if inspection["sealed"] else ".")
        )
    return "\n".join(lines)


def main() -> None:
    """Run the demo against a running stack."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--keys", type=Path, default=Path("var/keys"))
    args = parser.parse_args()
    people = People(args.keys)
    # No one by default: each call names who makes it, and citizens send no credentials.
    with httpx.Client(base_url=args.gateway, timeout=10) as api:
        try:
            api.get("/readyz").raise_for_status()
        except httpx.HTTPError:
            sys.exit(f"CongVu is not ready at {args.gateway}: start it with `make up` first.")
        started = time.monotonic()
        outcome = run(api, people)
        print("Kế hoạch và lịch kiểm tra (dịch vụ kế hoạch, qua cổng API):\n")
        print(render_schedule(outcome))
        print("\nBiên bản kiểm tra tại đơn vị (dịch vụ kiểm tra, qua cổng API):\n")
        print(render_records(outcome))
        print()
        print(secrecy(api, people, outcome))
    print("\nBảng tổng hợp kiểm tra công vụ (từ dịch vụ báo cáo, qua cổng API):\n")
    print(render(outcome.cards))
    print(
        "\nSố liệu của tỉnh, huyện, thành phố gồm cả các đơn vị trực thuộc."
        "\nMột cuộc kiểm tra có thể gồm nhiều lượt làm việc tại chỗ;"
        " đánh giá của cán bộ, công chức được tính riêng."
    )
    print(
        f"\n{len(outcome.cards)} đơn vị; báo cáo cập nhật sau"
        f" {time.monotonic() - started:.1f} giây."
    )


if __name__ == "__main__":
    main()
