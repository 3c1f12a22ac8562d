"""Extreme but well-formed input to the plans service: a 422 naming the field, never a 500."""

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from servicekit.access import Identity, Role
from servicekit.pagination import encode_cursor
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import (
    NO_BROKER,
    create_checklist_body,
    create_plan_body,
    create_team_body,
    create_unit_body,
)
from tests.support.identity import HOME_CODE, As, as_
from tests.support.planning import created, prepare

# One code point that NFC turns into three: a limit must hold for what is stored.
GROWS = "\ufb2c"


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


async def post(
    client: AppClient, path: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    """POST `body` as JSON with every non-ASCII character escaped, lone surrogates included."""
    headers = {"content-type": "application/json", **headers}
    return await client.post(path, content=json.dumps(body), headers=headers)


def _member(**overrides: str) -> dict[str, Any]:
    member = {"subject": "an", "full_name": "Nguyễn Văn An", "role": "leader"}
    return member | overrides


def _criterion(**overrides: str) -> dict[str, Any]:
    return {"code": "GIO.1", "title": "Đi làm đúng giờ", "weight": 2} | overrides


def _checklist_with(category: dict[str, Any] | None = None, **criterion: str) -> dict[str, Any]:
    category = {"code": "GIO", "title": "Thời giờ làm việc", **(category or {})}
    return create_checklist_body(categories=[category | {"criteria": [_criterion(**criterion)]}])


# Each case: the path, a body with `value` in one text field, and that field's location.
Case = tuple[str, Callable[[str], dict[str, Any]], list[str | int]]
NAMED: dict[str, Case] = {
    "unit-name": ("/api/v1/plans/units", lambda v: create_unit_body(name=v), ["name"]),
    "team-name": ("/api/v1/plans/teams", lambda v: create_team_body(name=v), ["name"]),
    "team-issuer": (
        "/api/v1/plans/teams",
        lambda v: create_team_body(decision_issuer=v),
        ["decision_issuer"],
    ),
    "member-full-name": (
        "/api/v1/plans/teams",
        lambda v: create_team_body(members=[_member(full_name=v)]),
        ["members", 0, "full_name"],
    ),
    "member-position": (
        "/api/v1/plans/teams",
        lambda v: create_team_body(members=[_member(position=v)]),
        ["members", 0, "position"],
    ),
    "checklist-name": (
        "/api/v1/plans/checklists",
        lambda v: create_checklist_body(name=v),
        ["name"],
    ),
    "category-title": (
        "/api/v1/plans/checklists",
        lambda v: _checklist_with({"title": v}),
        ["categories", 0, "title"],
    ),
    "criterion-title": (
        "/api/v1/plans/checklists",
        lambda v: _checklist_with(title=v),
        ["categories", 0, "criteria", 0, "title"],
    ),
    "legal-basis": (
        "/api/v1/plans/checklists",
        lambda v: _checklist_with(legal_basis=v),
        ["categories", 0, "criteria", 0, "legal_basis"],
    ),
    "plan-title": ("/api/v1/plans/plans", lambda v: create_plan_body(title=v), ["title"]),
    "plan-issuer": ("/api/v1/plans/plans", lambda v: create_plan_body(issuer=v), ["issuer"]),
}
CODES: dict[str, Case] = {
    "plan-number": ("/api/v1/plans/plans", lambda v: create_plan_body(number=v), ["number"]),
    "decision-number": (
        "/api/v1/plans/teams",
        lambda v: create_team_body(decision_number=v),
        ["decision_number"],
    ),
    "member-subject": (
        "/api/v1/plans/teams",
        lambda v: create_team_body(members=[_member(subject=v)]),
        ["members", 0, "subject"],
    ),
}
CODES["unit-code"] = ("/api/v1/plans/units", lambda v: create_unit_body(code=v), ["code"])
FREE: dict[str, Case] = {
    "plan-objectives": (
        "/api/v1/plans/plans",
        lambda v: create_plan_body(objectives=v),
        ["objectives"],
    ),
    "checklist-description": (
        "/api/v1/plans/checklists",
        lambda v: create_checklist_body(description=v),
        ["description"],
    ),
    "checklist-note": (
        "/api/v1/plans/checklists",
        lambda v: create_checklist_body(note=v),
        ["note"],
    ),
}
LIMITS = {
    "unit-name": 255,
    "team-name": 255,
    "member-full-name": 255,
    "member-position": 255,
    "checklist-name": 255,
    "category-title": 255,
    "plan-title": 500,
    "plan-issuer": 255,
    "plan-number": 100,
    "decision-number": 100,
}
EVERY = NAMED | CODES | FREE


def _refused(response: httpx.Response, loc: list[str | int]) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", *loc]]


@pytest.mark.parametrize("case", list(LIMITS), ids=list(LIMITS))
async def test_length_limits_hold_for_the_normalised_text(plans: AppClient, case: str) -> None:
    path, body, loc = EVERY[case]
    limit = LIMITS[case]
    # Under the limit as sent, over it once NFC-normalised.
    too_long = await post(plans, path, body(GROWS * (limit // 3 + 1)))
    _refused(too_long, loc)
    exactly = GROWS * (limit // 3) + "a" * (limit % 3)
    stored = await post(plans, path, body(exactly))
    assert stored.status_code == 201, stored.text
    listed = await plans.get(path, auth=as_(Role.INSPECTORATE))
    assert listed.status_code == 200, listed.text


CONTROLS = ["\u0000", "\u001b[31m", "\u007f", "\u0085", "\ud800", "\u202e", "\u2066"]
INVISIBLE = ["a\nb", "a\tb", "a\u200bb", "a\u200db", "a\ufeffb", "a\u200fb", "a\u2028b"]


@pytest.mark.parametrize("case", list(EVERY), ids=list(EVERY))
async def test_control_characters_are_refused_everywhere(plans: AppClient, case: str) -> None:
    # NUL, ESC, DEL, a C1 control, a lone surrogate, a bidi override and a bidi isolate.
    path, body, loc = EVERY[case]
    for value in CONTROLS:
        _refused(await post(plans, path, body(f"Tên {value} đơn vị")), loc)


@pytest.mark.parametrize("case", list(NAMED | CODES), ids=list(NAMED | CODES))
async def test_names_and_codes_are_one_visible_line(plans: AppClient, case: str) -> None:
    # Newline, tab, zero-width space and joiner, BOM, right-to-left mark, line separator.
    path, body, loc = EVERY[case]
    for value in INVISIBLE:
        _refused(await post(plans, path, body(value)), loc)


STORED: dict[str, Callable[[dict[str, Any]], str]] = {
    "plan-objectives": lambda plan: plan["objectives"],
    "checklist-description": lambda checklist: checklist["description"],
    "checklist-note": lambda checklist: checklist["current"]["note"],
}


@pytest.mark.parametrize("case", list(FREE), ids=list(FREE))
async def test_free_text_keeps_lines_and_tabs(plans: AppClient, case: str) -> None:
    path, body, _ = EVERY[case]
    response = await post(plans, path, body("Mục đích:\r\n\t1. Chấn chỉnh\u200b kỷ luật\r"))
    assert response.status_code == 201, response.text
    assert STORED[case](response.json()) == "Mục đích:\n\t1. Chấn chỉnh\u200b kỷ luật"


async def test_the_inspection_texts_refuse_control_characters(plans: AppClient) -> None:
    province = await prepare(plans)
    topic = await plans.post(
        "/api/v1/plans/inspections",
        json=province.inspection(kind="thematic", topic="Chuyên đề\u0000"),
    )
    _refused(topic, ["topic"])
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    etag = (await plans.get(path)).headers["etag"]
    for action, body in [
        ("rescheduling", _window("2021-02-25T07:30:00+07:00") | {"reason": "Bão\u202e"}),
        ("cancellation", {"reason": "\u0000"}),
    ]:
        response = await plans.post(f"{path}/{action}", json=body, headers={"If-Match": etag})
        _refused(response, ["reason"])


def _window(start: str, end: str = "2021-02-26T17:00:00+07:00") -> dict[str, str]:
    return {"window_start": start, "window_end": end}


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+01:00",
        "1899-12-31T23:59:59+00:00",
        "2201-01-01T00:00:00+00:00",
    ],
    ids=["overflows-up", "overflows-down", "too-early", "too-late"],
)
async def test_times_out_of_range_are_422(plans: AppClient, moment: str) -> None:
    province = await prepare(plans)
    for field in ("window_start", "window_end"):
        body = province.inspection(**{field: moment})
        _refused(await plans.post("/api/v1/plans/inspections", json=body), [field])
    inspection = await created(plans, "/api/v1/plans/inspections", province.inspection())
    path = f"/api/v1/plans/inspections/{inspection['id']}"
    etag = (await plans.get(path)).headers["etag"]
    body = _window(moment) | {"reason": "Bão"}
    response = await plans.post(f"{path}/rescheduling", json=body, headers={"If-Match": etag})
    _refused(response, ["window_start"])


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/plans/units", "q"),
        ("/api/v1/plans/units", "code"),
        ("/api/v1/plans/teams", "member"),
    ],
)
@pytest.mark.parametrize("value", ["\u0000", "a\u001bb"], ids=["nul", "esc"])
async def test_text_query_parameters_refuse_control_characters(
    plans: AppClient, path: str, param: str, value: str
) -> None:
    response = await plans.get(path, params={param: value}, auth=as_(Role.INSPECTORATE))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["query", param]]


async def test_unit_search_still_finds_names_once_normalised(plans: AppClient) -> None:
    await created(plans, "/api/v1/plans/units", create_unit_body(name="Phường Hạ Long"))
    found = await plans.get("/api/v1/plans/units", params={"q": " ha long "})
    assert [u["name"] for u in found.json()["items"]] == ["Phường Hạ Long"]


async def test_a_name_whose_search_form_grows_still_fits(plans: AppClient) -> None:
    # NFD splits each Hangul syllable into two or three letters that are not marks.
    name = "\ud55c" * 255
    response = await plans.post("/api/v1/plans/units", json=create_unit_body(name=name))
    assert response.status_code == 201, response.text
    found = await plans.get("/api/v1/plans/units", params={"q": "\ud55c" * 3})
    assert [u["id"] for u in found.json()["items"]] == [response.json()["id"]]


CURSORS: dict[str, tuple[str, list[Any]]] = {
    "int-above-64-bit": ("/api/v1/plans/plans", ["year", 2**63, str(uuid.uuid4())]),
    "int-below-64-bit": ("/api/v1/plans/plans", ["-year", -(2**63) - 1, str(uuid.uuid4())]),
    "time-overflows": (
        "/api/v1/plans/units",
        ["created_at", "9999-12-31T23:00:00-05:00", str(uuid.uuid4())],
    ),
    "time-underflows": (
        "/api/v1/plans/inspections",
        ["-window_start", "0001-01-01T00:00:00+01:00", str(uuid.uuid4())],
    ),
    "text-with-nul": ("/api/v1/plans/units", ["name", "a\u0000", str(uuid.uuid4())]),
    "text-surrogate": ("/api/v1/plans/teams", ["name", "\ud800", str(uuid.uuid4())]),
}


@pytest.mark.parametrize("case", list(CURSORS), ids=list(CURSORS))
async def test_cursors_out_of_range_are_invalid_cursors(plans: AppClient, case: str) -> None:
    path, position = CURSORS[case]
    await created(plans, "/api/v1/plans/units", create_unit_body(code="22", valid_to=None))
    staff = as_(Role.INSPECTOR if path.endswith("teams") else Role.UNIT_STAFF, "22")
    response = await plans.get(
        path, params={"cursor": encode_cursor(position), "sort": position[0]}, auth=staff
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Unprocessable Content"
    assert "cursor" in response.json()["detail"].lower()


def _subject(length: int) -> str:
    return ("nguyen.van.an." * 20)[:length]


@pytest.mark.parametrize("key", [None, "k-long-subject"], ids=["plain", "idempotent"])
async def test_a_subject_over_255_characters_is_401(plans: AppClient, key: str | None) -> None:
    caller = As(Identity(subject=_subject(256), role=Role.ADMIN, unit_code=HOME_CODE))
    headers = {"Idempotency-Key": key} if key else {}
    response = await plans.post(
        "/api/v1/plans/units", json=create_unit_body(), headers=headers, auth=caller
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("subject", ["an\u0000", "an\nbinh", "\u202ean", ""])
async def test_a_subject_with_control_characters_is_401(plans: AppClient, subject: str) -> None:
    caller = As(Identity(subject=subject, role=Role.ADMIN, unit_code=HOME_CODE))
    response = await plans.post("/api/v1/plans/units", json=create_unit_body(), auth=caller)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("key", [None, "k-255"], ids=["plain", "idempotent"])
async def test_a_subject_of_255_characters_is_stored(plans: AppClient, key: str | None) -> None:
    caller = As(Identity(subject=_subject(255), role=Role.INSPECTORATE, unit_code=HOME_CODE))
    headers = {"Idempotency-Key": key} if key else {}
    response = await plans.post(
        "/api/v1/plans/plans", json=create_plan_body(), headers=headers, auth=caller
    )
    assert response.status_code == 201, response.text
    assert response.json()["created_by"] == _subject(255)
    if key:
        again = await plans.post(
            "/api/v1/plans/plans", json=create_plan_body(), headers=headers, auth=caller
        )
        assert again.status_code == 422, again.text


PATCHES: dict[str, tuple[str, Callable[[], dict[str, Any]], str]] = {
    "unit-name": ("/api/v1/plans/units", create_unit_body, "name"),
    "team-name": ("/api/v1/plans/teams", create_team_body, "name"),
    "plan-title": ("/api/v1/plans/plans", create_plan_body, "title"),
    "plan-number": ("/api/v1/plans/plans", create_plan_body, "number"),
    "plan-objectives": ("/api/v1/plans/plans", create_plan_body, "objectives"),
}


@pytest.mark.parametrize("case", list(PATCHES), ids=list(PATCHES))
async def test_changes_follow_the_same_rules(plans: AppClient, case: str) -> None:
    path, body, field = PATCHES[case]
    resource = await created(plans, path, body())
    location = f"{path}/{resource['id']}"
    headers = {
        "content-type": "application/json",
        "If-Match": (await plans.get(location)).headers["etag"],
    }
    limit = 10_000 if field == "objectives" else LIMITS[case]
    for value in [GROWS * (limit // 3 + 1), "\u0000", "\u202e"]:
        response = await plans.patch(location, content=json.dumps({field: value}), headers=headers)
        _refused(response, [field])
