"""`make demo`: drive the seed scenario through the gateway and print what reporting shows."""

import argparse
import sys
import time
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx

from devstack.scenario import UNITS, DemoUnit
from devstack.token import mint_token
from servicekit.access import Role

# Visit ids and rating idempotency keys derive from the scenario: a second run adds nothing.
VISIT_NAMESPACE = uuid.UUID("5d3f8a4e-2b7c-4f1e-9a6d-0c8b7e6f5a41")
COLUMNS = ("Mã", "Đơn vị", "Cấp", "Số cuộc kiểm tra", "Lượt đánh giá", "Hài lòng TB")


# Who does what in the scenario; everything else is read by the inspectorate.
DEMO_ROLES: dict[tuple[str, str], Role | None] = {
    ("POST", "/api/v1/plans/units"): Role.ADMIN,
    ("POST", "/api/v1/visits/visits"): Role.INSPECTOR,
    ("POST", "/api/v1/citizen-feedback/ratings"): None,
}


class RoleAuth(httpx.Auth):
    """Calls each operation as the role that does it in real life, with a local token."""

    def __init__(self, keys_dir: Path) -> None:
        self.tokens = {
            role: mint_token(role, None, keys_dir=keys_dir)
            for role in (Role.ADMIN, Role.INSPECTOR, Role.INSPECTORATE)
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        role = DEMO_ROLES.get((request.method, request.url.path), Role.INSPECTORATE)
        if role is not None:  # citizens rate without an account
            request.headers["Authorization"] = f"Bearer {self.tokens[role]}"
        yield request


def register(api: httpx.Client, unit: DemoUnit, ids: dict[str, str]) -> str:
    """Register a unit, or find it if the registry already has it; return its id."""
    body: dict[str, Any] = {"code": unit.code, "name": unit.name, "level": unit.level}
    if unit.parent is not None:
        body["parent_id"] = ids[unit.parent]
    if unit.valid_from is not None:
        body["valid_from"] = unit.valid_from
    if unit.valid_to is not None:
        body["valid_to"] = unit.valid_to
    response = api.post("/api/v1/plans/units", json=body)
    if response.status_code == 201:
        return str(response.json()["id"])
    if response.status_code == 409:
        found = api.get("/api/v1/plans/units", params={"code": unit.code}).json()["items"]
        return str(found[0]["id"])
    raise SystemExit(f"registering {unit.name} failed: {response.status_code} {response.text}")


def run(api: httpx.Client) -> list[dict[str, Any]]:
    """Send the scenario; return the scorecards reporting then shows, in scenario order."""
    ids: dict[str, str] = {}
    for unit in UNITS:
        unit_id = register(api, unit, ids)
        ids[unit.code] = unit_id
        for started_at, note in unit.visits:
            visit = {
                "id": str(uuid.uuid5(VISIT_NAMESPACE, f"{unit.code}/{started_at}")),
                "unit_id": unit_id,
                "started_at": started_at,
                "surprise": True,
                "note": note,
            }
            api.post("/api/v1/visits/visits", json=visit).raise_for_status()
        for index, score in enumerate(unit.ratings):
            rating = {"unit_id": unit_id, "score": score, "service": "Chứng thực bản sao"}
            key = str(uuid.uuid5(VISIT_NAMESPACE, f"{unit.code}/rating/{index}"))
            api.post(
                "/api/v1/citizen-feedback/ratings", json=rating, headers={"Idempotency-Key": key}
            ).raise_for_status()
    return [wait_for_scorecard(api, ids[u.code], u) for u in UNITS]


def wait_for_scorecard(
    api: httpx.Client, unit_id: str, unit: DemoUnit, timeout_s: float = 30.0
) -> dict[str, Any]:
    """Wait until reporting shows the unit with at least the scenario's visits."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.get(f"/api/v1/reporting/units/{unit_id}")
        if response.status_code == 200:
            card: dict[str, Any] = response.json()
            # Registry names win: official units keep the name the official list gives.
            if card["name"] is not None and card["visits_started"] >= len(unit.visits):
                return card
        if time.monotonic() > deadline:
            raise SystemExit(f"reporting did not show {unit.name} within {timeout_s:.0f}s")
        time.sleep(0.1)


def render(cards: list[dict[str, Any]]) -> str:
    """Return the scorecards as a plain-text table with Vietnamese headings."""
    rows = [
        (
            c["code"],
            c["name"],
            c["level_label"].split(" (")[0],
            str(c["visits_started"]),
            str(c["ratings_count"]),
            "–" if c["satisfaction_average"] is None else f"{c['satisfaction_average']:.2f}",
        )
        for c in cards
    ]
    widths = [max(len(r[i]) for r in (COLUMNS, *rows)) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in (COLUMNS, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    """Run the demo against a running stack."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--keys", type=Path, default=Path("var/keys"))
    args = parser.parse_args()
    with httpx.Client(base_url=args.gateway, timeout=10, auth=RoleAuth(args.keys)) as api:
        try:
            api.get("/readyz").raise_for_status()
        except httpx.HTTPError:
            sys.exit(f"CongVu is not ready at {args.gateway}: start it with `make up` first.")
        started = time.monotonic()
        cards = run(api)
    print("Bảng tổng hợp kiểm tra công vụ (từ dịch vụ báo cáo, qua cổng API):\n")
    print(render(cards))
    print(f"\n{len(cards)} đơn vị; báo cáo cập nhật sau {time.monotonic() - started:.1f} giây.")


if __name__ == "__main__":
    main()
