"""Small builders of request bodies and events for tests."""

import uuid
from datetime import UTC, datetime
from typing import Any

from tests.support.identity import HOME_ID

# No broker listens here: API tests exercise the outbox without publishing.
NO_BROKER = "127.0.0.1:1"


def create_unit_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/plans/units: a district of the HOME province.

    A province (level `province`) has no parent; only the Ministry registers one.
    """
    body: dict[str, Any] = {
        "code": f"T{uuid.uuid4().hex[:10]}",
        "name": "Ủy ban nhân dân huyện Kỳ Sơn",
        "level": "district",
        "valid_to": "2025-06-30",
    }
    if overrides.get("level", "district") != "province":
        body["parent_id"] = str(HOME_ID)
    return body | overrides


def create_visit_body(unit_id: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/visits/visits: an ad hoc visit, with its reason.

    A visit of a scheduled inspection (`inspection_id=...`) needs no justification.
    """
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "unit_id": unit_id,
        "started_at": "2021-02-22T16:15:00+07:00",
        "surprise": True,
        "note": "Kiểm tra đột xuất 11 phòng chuyên môn",
        "justification": "Phản ánh của người dân về giờ làm việc",
    }
    return body | overrides


def create_rating_body(unit_id: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/citizen-feedback/ratings."""
    body: dict[str, Any] = {"unit_id": unit_id, "score": 5, "service": "Chứng thực bản sao"}
    return body | overrides


def now() -> datetime:
    """Return the current UTC time."""
    return datetime.now(UTC)


def create_team_body(leader: str = "leader-1", *others: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/plans/teams: `leader` leads, `others` are members."""
    members = [{"subject": leader, "full_name": "Nguyễn Văn An", "role": "leader"}]
    members += [{"subject": s, "full_name": "Trần Thị Bình", "role": "member"} for s in others]
    body: dict[str, Any] = {
        "name": "Đoàn kiểm tra liên ngành",
        "decision_number": "Số 45/QĐ-UBND",
        "decision_date": "2021-01-15",
        "decision_issuer": "UBND tỉnh Nghệ An",
        "members": members,
        "valid_from": "2021-01-15",
        "valid_to": "2021-12-31",
    }
    return body | overrides


def create_checklist_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/plans/checklists."""
    body: dict[str, Any] = {
        "name": "Bộ tiêu chí thử",
        "categories": [
            {
                "code": "GIO",
                "title": "Thời giờ làm việc",
                "criteria": [{"code": "GIO.1", "title": "Đi làm đúng giờ", "weight": 2}],
            }
        ],
    }
    return body | overrides


def create_plan_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/plans/plans.

    A plan names what it covers: the units given, else a category (approving that plan
    needs a `scope_unit_id` too).
    """
    body: dict[str, Any] = {
        "number": f"Số {uuid.uuid4().int % 1000}/KH-UBND",
        "title": "Kế hoạch kiểm tra công vụ năm 2021",
        "issuer": "UBND tỉnh Nghệ An",
        "year": 2021,
        "kind": "annual",
        "objectives": "Chấn chỉnh kỷ luật, kỷ cương hành chính",
    }
    if "target_unit_ids" not in overrides:
        body["target_categories"] = ["commune_peoples_committees"]
    return body | overrides


def create_inspection_body(
    *, plan_id: str, target_unit_id: str, team_id: str, checklist_id: str, **overrides: Any
) -> dict[str, Any]:
    """Return a valid body for POST /api/v1/plans/inspections: a surprise inspection."""
    body: dict[str, Any] = {
        "plan_id": plan_id,
        "target_unit_id": target_unit_id,
        "team_id": team_id,
        "checklist_id": checklist_id,
        "kind": "surprise",
        "window_start": "2021-02-22T07:30:00+07:00",
        "window_end": "2021-02-24T17:00:00+07:00",
    }
    return body | overrides


def create_headcount(
    on_roll: int, *, present: int | None = None, **overrides: Any
) -> dict[str, Any]:
    """Return one staff category's headcount: everyone present unless told otherwise."""
    body: dict[str, Any] = {
        "on_roll": on_roll,
        "present": on_roll if present is None else present,
        "absent_with_reason": {},
        "absent_without_reason": 0,
        "late": 0,
    }
    return body | overrides


def create_attendance_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid body for PUT .../attendance-records/{id}: one office, 5 civil servants."""
    body: dict[str, Any] = {
        "version": 1,
        "office_name": "Phòng Nội vụ",
        "observed_at": "2021-02-22T16:15:00+07:00",
        "headcounts": {
            "civil_servant": create_headcount(5, present=4, absent_with_reason={"leave": 1})
        },
    }
    return body | overrides


def create_result_item(criterion_code: str, outcome: str, **overrides: Any) -> dict[str, Any]:
    """Return one item of a body for PUT .../results."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "criterion_code": criterion_code,
        "outcome": outcome,
    }
    return body | overrides


def create_violation_body(unit_id: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid body for PUT .../violations/{id}: a one-stop-shop roster posted wrongly."""
    body: dict[str, Any] = {
        "version": 1,
        "category_code": "MOTCUA",
        "criterion_code": "MOTCUA.2",
        "severity": "minor",
        "unit_id": unit_id,
        "description": "Phân công lịch trực bộ phận một cửa không đúng quy định niêm yết",
    }
    return body | overrides
