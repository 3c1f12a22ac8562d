"""`make demo`: drive the seed scenario through the gateway and print what reporting shows."""

import argparse
import re
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

from devstack.scenario import PLANS, TEAMS, UNITS, DemoInspection, DemoPlan, DemoTeam, DemoUnit
from devstack.token import mint_token
from servicekit.access import Role

# Visit ids and rating idempotency keys derive from the scenario: a second run adds nothing.
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


# Who does what in the scenario; everything else is read by the inspectorate.
DEMO_ROLES: dict[tuple[str, str], Role | None] = {
    ("POST", "/api/v1/plans/units"): Role.ADMIN,
    ("POST", "/api/v1/plans/teams"): Role.INSPECTORATE,
    ("POST", "/api/v1/plans/plans"): Role.INSPECTORATE,
    ("POST", "/api/v1/plans/inspections"): Role.INSPECTORATE,
    ("POST", "/api/v1/visits/visits"): Role.INSPECTOR,
    ("POST", "/api/v1/citizen-feedback/ratings"): None,
}
APPROVAL = re.compile(r"^/api/v1/plans/plans/[^/]+/approval$")
KINDS = {"surprise": "Đột xuất", "periodic": "Theo kế hoạch", "thematic": "Chuyên đề"}
STATUSES = {"draft": "Dự thảo", "approved": "Đã duyệt", "closed": "Đã kết thúc"}
DEFAULT_CHECKLIST = "(mặc định)"


class RoleAuth(httpx.Auth):
    """Calls each operation as the role that does it in real life, with a local token."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        # Stable subjects: Idempotency-Keys belong to their caller, so a rerun replays.
        self.tokens = {
            role: mint_token(role, None, keys_dir=keys_dir, subject=f"demo.{role.value}")
            for role in (Role.ADMIN, Role.INSPECTOR, Role.INSPECTORATE)
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.path
        role = (
            Role.ADMIN
            if APPROVAL.match(path)
            else DEMO_ROLES.get((request.method, path), Role.INSPECTORATE)
        )
        if role is not None and "Authorization" not in request.headers:
            # Citizens rate without an account.
            request.headers["Authorization"] = f"Bearer {self.tokens[role]}"
        yield request

    def unit_head(self, unit_code: str) -> dict[str, str]:
        """Return the Authorization header of the head of a unit."""
        token = mint_token(Role.UNIT_HEAD, unit_code, keys_dir=self.keys_dir)
        return {"Authorization": f"Bearer {token}"}

    def team_leader(self, subject: str) -> dict[str, str]:
        """Return the Authorization header of a team's leader: only the team starts its visits."""
        token = mint_token(Role.TEAM_LEADER, None, keys_dir=self.keys_dir, subject=subject)
        return {"Authorization": f"Bearer {token}"}


def created(response: httpx.Response, what: str) -> dict[str, Any]:
    """Return the created resource, or stop the demo saying what failed."""
    if response.status_code != 201:
        raise SystemExit(f"{what} failed: {response.status_code} {response.text}")
    resource: dict[str, Any] = response.json()
    return resource


def register(api: httpx.Client, unit: DemoUnit, ids: dict[str, str]) -> str:
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
    response = api.post("/api/v1/plans/units", json=body)
    if response.status_code == 409:
        found = api.get("/api/v1/plans/units", params={"code": unit.code}).json()["items"]
        return str(found[0]["id"])
    return str(created(response, f"registering {unit.name}")["id"])


def form_team(api: httpx.Client, team: DemoTeam) -> str:
    """Found a team, or find the one an earlier run founded; return its id."""
    leader = team.members[0].subject
    for found in api.get("/api/v1/plans/teams", params={"member": leader}).json()["items"]:
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
    return str(created(api.post("/api/v1/plans/teams", json=body), f"forming {team.name}")["id"])


def default_checklist(api: httpx.Client) -> str:
    """Return the id of the default checklist `make up` installs."""
    for checklist in api.get("/api/v1/plans/checklists", params={"limit": 500}).json()["items"]:
        if checklist["current"]["name"].endswith(DEFAULT_CHECKLIST):
            return str(checklist["id"])
    raise SystemExit("The default checklist is missing: run `make reference-data`.")


def approved_plan(api: httpx.Client, plan: DemoPlan, ids: dict[str, str]) -> dict[str, Any]:
    """Draft and approve a plan, or find the one an earlier run made; return it."""
    listed = api.get("/api/v1/plans/plans", params={"year": plan.year, "limit": 500}).json()
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
        current = created(api.post("/api/v1/plans/plans", json=body), f"drafting {plan.number}")
    if current["status"] == "draft":
        path = f"/api/v1/plans/plans/{current['id']}"
        etag = api.get(path).headers["etag"]
        # A past plan is approved on the day its officials approved it, not today.
        approval = {"approved_on": plan.approved_on} if plan.approved_on else {}
        response = api.post(f"{path}/approval", json=approval, headers={"If-Match": etag})
        response.raise_for_status()
        current = response.json()
    return current


def schedule(
    api: httpx.Client, plan_id: str, inspection: DemoInspection, team_id: str, checklist_id: str
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
    for found in api.get("/api/v1/plans/inspections", params=params).json()["items"]:
        if found["status"] != "cancelled" and found["kind"] == inspection.kind:
            return dict(found)
    return created(api.post("/api/v1/plans/inspections", json=body), "scheduling an inspection")


def rate(api: httpx.Client, rating: dict[str, Any], key: str, timeout_s: float = 120.0) -> None:
    """Send a rating, waiting until its unit's registration has reached citizen-feedback.

    Right after a first `make up`, citizen-feedback is still reading the 3,355 imported
    units (about a minute on two cores): a rating waits for its unit.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.post(
            "/api/v1/citizen-feedback/ratings", json=rating, headers={"Idempotency-Key": key}
        )
        unknown = response.status_code == 422 and any(
            e["msg"].startswith("No registered unit") for e in response.json().get("errors", [])
        )
        if not unknown or time.monotonic() > deadline:
            response.raise_for_status()
            return
        time.sleep(0.2)


@dataclass
class Outcome:
    """What the demo did and what reporting and plans then show."""

    cards: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    names: dict[str, str]
    team_names: dict[str, str]


def run(api: httpx.Client, auth: RoleAuth) -> Outcome:
    """Send the scenario; return what reporting and plans then show."""
    ids: dict[str, str] = {}
    for unit in UNITS:
        ids[unit.code] = register(api, unit, ids)
    team_ids = {team.key: form_team(api, team) for team in TEAMS}
    checklist_id = default_checklist(api)
    plans, inspections = [], []
    # The scheduled inspection each scenario visit carries out, and who leads its team.
    carried: dict[tuple[str, str], tuple[str, str]] = {}
    leaders = {team.key: team.members[0].subject for team in TEAMS}
    for plan in PLANS:
        current = approved_plan(api, plan, ids)
        plans.append(current)
        for planned in plan.inspections:
            target = replace(planned, target=ids[planned.target])
            inspection = schedule(api, current["id"], target, team_ids[planned.team], checklist_id)
            inspections.append(inspection)
            carrying = [(planned.target, planned.visit_at)] if planned.visit_at else []
            for visit_key in (*carrying, *planned.more_visits):
                carried[visit_key] = (inspection["id"], leaders[planned.team])
    for unit in UNITS:
        for started_at, note in unit.visits:
            inspection_id, leader = carried.get((unit.code, started_at), (None, None))
            visit = {
                "id": str(uuid.uuid5(VISIT_NAMESPACE, f"{unit.code}/{started_at}")),
                "unit_id": ids[unit.code],
                "started_at": started_at,
                "surprise": True,
                "note": note,
                "inspection_id": inspection_id,
            }
            headers = auth.team_leader(leader) if leader else {}
            api.post("/api/v1/visits/visits", json=visit, headers=headers).raise_for_status()
        for index, score in enumerate(unit.ratings):
            rating = {"unit_id": ids[unit.code], "score": score, "service": "Chứng thực bản sao"}
            key = str(uuid.uuid5(VISIT_NAMESPACE, f"{unit.code}/rating/{index}"))
            rate(api, rating, key)
    figures = expected_figures()
    cards = [wait_for_scorecard(api, ids[u.code], u, figures[u.code]) for u in UNITS]
    started = {inspection_id for inspection_id, _ in carried.values()}
    inspections = [
        wait_for_inspection(api, i["id"], "started" if i["id"] in started else i["status"])
        for i in inspections
    ]
    names = {
        unit_id: next(c["name"] for c in cards if c["unit_id"] == unit_id)
        for unit_id in ids.values()
    }
    team_names = {team_ids[t.key]: t.short for t in TEAMS}
    return Outcome(cards, plans, inspections, names, team_names)


def wait_for_inspection(
    api: httpx.Client, inspection_id: str, status: str, timeout_s: float = 30.0
) -> dict[str, Any]:
    """Wait until plans shows the inspection in `status` (a visit starts it over the broker)."""
    deadline = time.monotonic() + timeout_s
    while True:
        inspection: dict[str, Any] = api.get(f"/api/v1/plans/inspections/{inspection_id}").json()
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
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Wait until reporting shows the unit with at least the scenario's figures."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.get(f"/api/v1/reporting/units/{unit_id}")
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


def secrecy(api: httpx.Client, auth: RoleAuth, outcome: Outcome) -> str:
    """Return what heads of inspected units see of inspections of their own unit."""
    lines = []
    codes = {c["unit_id"]: c["code"] for c in outcome.cards}
    for inspection in outcome.inspections[3:5]:
        code = codes[inspection["target_unit_id"]]
        seen = api.get("/api/v1/plans/inspections", headers=auth.unit_head(code)).json()
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
    auth = RoleAuth(args.keys)
    with httpx.Client(base_url=args.gateway, timeout=10, auth=auth) as api:
        try:
            api.get("/readyz").raise_for_status()
        except httpx.HTTPError:
            sys.exit(f"CongVu is not ready at {args.gateway}: start it with `make up` first.")
        started = time.monotonic()
        outcome = run(api, auth)
        print("Kế hoạch và lịch kiểm tra (dịch vụ kế hoạch, qua cổng API):\n")
        print(render_schedule(outcome))
        print()
        print(secrecy(api, auth, outcome))
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
