"""Strict input, as schemas decide it: unknown fields, types, blank text, times and their years."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field, ValidationError

from contracts.plans import ChecklistVersionPublished, TeamFormed, TeamMember
from plans.checklists.schemas import ChecklistCategoryInput, ChecklistCreate
from plans.scheduling import rules
from plans.teams.schemas import TeamMemberInput
from servicekit.text import FreeText, Name
from servicekit.times import (
    RECORD_YEARS,
    VN_TZ,
    WORK_YEARS,
    Day,
    Instant,
    VnDatetime,
    Years,
    to_vn,
)
from tests.support.apps import FACTORIES, build_app
from tests.support.factories import NO_BROKER, create_checklist_body

MEMBER = {"subject": "an", "full_name": "Nguyễn Văn An", "role": "leader"}
CRITERION = {"code": "GIO.1", "title": "Đúng giờ"}
CATEGORY: dict[str, Any] = {"code": "GIO", "title": "Thời giờ", "criteria": [CRITERION]}


def _locs(raised: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, str]]:
    return [(e["loc"], e["type"]) for e in raised.value.errors()]


def test_request_members_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError) as raised:
        TeamMemberInput.model_validate(MEMBER | {"nickname": "An"})
    assert _locs(raised) == [(("nickname",), "extra_forbidden")]


def test_request_categories_and_criteria_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError) as raised:
        ChecklistCategoryInput.model_validate(CATEGORY | {"colour": "red"})
    assert _locs(raised) == [(("colour",), "extra_forbidden")]
    criterion = CRITERION | {"score": "3"}
    with pytest.raises(ValidationError) as raised:
        ChecklistCreate.model_validate(
            create_checklist_body(categories=[CATEGORY | {"criteria": [criterion]}])
        )
    assert _locs(raised) == [(("categories", 0, "criteria", 0, "score"), "extra_forbidden")]


def test_events_still_ignore_fields_of_newer_producers_at_every_depth() -> None:
    member = TeamMember.model_validate(MEMBER | {"nickname": "An"})
    assert member.model_dump() == MEMBER | {"position": None}
    team = {
        "team_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
        "name": "Đoàn 1",
        "decision_number": "Số 1",
        "decision_date": "2021-02-01",
        "decision_issuer": "UBND",
        "members": [MEMBER | {"nickname": "An"}],
        "valid_from": "2021-02-01",
        "formed_at": "2021-02-01T09:00:00Z",
        "mood": "new",
    }
    assert TeamFormed.model_validate(team).members == [TeamMember.model_validate(MEMBER)]
    published = {
        "checklist_id": "0193a5d2-0000-7000-8000-00000000c001",
        "version": 1,
        "name": "Bộ tiêu chí",
        "categories": [CATEGORY | {"colour": "red"}],
        "published_by": "an",
        "published_at": "2024-01-05T09:00:00+07:00",
    }
    assert ChecklistVersionPublished.model_validate(published).categories[0].code == "GIO"


def test_request_parts_travel_in_events_as_the_contract_has_them() -> None:
    member = TeamMemberInput.model_validate(MEMBER)
    event = TeamFormed.model_validate(
        {
            "team_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e20",
            "name": "Đoàn 1",
            "decision_number": "Số 1",
            "decision_date": date(2021, 2, 1),
            "decision_issuer": "UBND",
            "members": [member],
            "valid_from": date(2021, 2, 1),
            "formed_at": datetime(2021, 2, 1, tzinfo=UTC),
        }
    )
    assert json.loads(event.model_dump_json())["members"] == [MEMBER | {"position": None}]


def _objects(schema: Any, components: dict[str, Any], seen: set[str]) -> list[tuple[str, Any]]:
    """Return every object schema reachable from `schema`, with where it was found."""
    found: list[tuple[str, Any]] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                found += [(name, components[name])]
                found += _objects(components[name], components, seen)
            return found
        for value in schema.values():
            found += _objects(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value, components, seen)
    return found


def _app(service: str) -> FastAPI:
    return build_app(service, database_url="sqlite+aiosqlite:///unused.db", bootstrap=NO_BROKER)


def _is_object(schema: dict[str, Any]) -> bool:
    return schema.get("type", "object") == "object" and "properties" in schema


@pytest.mark.parametrize("service", list(FACTORIES))
def test_every_request_body_refuses_unknown_fields_at_every_depth(service: str) -> None:
    document = _app(service).openapi()
    components = document.get("components", {}).get("schemas", {})
    lenient = [
        (method, path, name)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for name, schema in _objects(operation.get("requestBody", {}), components, set())
        if _is_object(schema) and schema.get("additionalProperties") is not False
    ]
    assert lenient == []


@pytest.mark.parametrize("service", list(FACTORIES))
def test_every_write_defines_its_body(service: str) -> None:
    # A write without a body schema would take any body and drop it.
    document = _app(service).openapi()
    bodiless = [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in {"post", "put", "patch"} and "requestBody" not in operation
    ]
    assert bodiless == []


@pytest.mark.parametrize(
    "value",
    [1613952000, 1613952000.5, "1613952000", True, "2021-02-22", "T07:30:00+07:00", None, [], {}],
)
def test_a_time_is_rfc_3339_text_not_a_number(value: Any) -> None:
    class Body(BaseModel):
        at: Instant

    with pytest.raises(ValidationError) as raised:
        Body.model_validate({"at": value})
    assert [e["loc"] for e in raised.value.errors()] == [("at",)]


def test_a_time_as_text_and_as_a_datetime_still_parse() -> None:
    class Body(BaseModel):
        at: Instant

    for value in ["2021-02-22T07:30:00+07:00", "2021-02-22 00:30:00Z", "2021-02-22t00:30Z"]:
        assert Body.model_validate({"at": value}).at == datetime(2021, 2, 22, 0, 30, tzinfo=UTC)
    moment = datetime(2021, 2, 22, tzinfo=UTC)
    assert Body(at=moment).at == moment
    assert Body.model_validate_json('{"at": "2021-02-22T07:30:00+07:00"}').at.utcoffset()


@pytest.mark.parametrize(
    "value", [1610668800, "1610668800", True, "2021-01-15T00:00:00", "2021-1-5", "20210115"]
)
def test_a_date_is_yyyy_mm_dd_not_a_number_nor_a_time(value: Any) -> None:
    class Body(BaseModel):
        on: Day

    with pytest.raises(ValidationError) as raised:
        Body.model_validate({"on": value})
    assert [e["loc"] for e in raised.value.errors()] == [("on",)]
    assert Body.model_validate({"on": "2021-01-15"}).on == date(2021, 1, 15)
    assert Body(on=date(2021, 1, 15)).on == date(2021, 1, 15)


class Bounded(BaseModel):
    work: Annotated[Instant, WORK_YEARS] | None = None
    record: Annotated[Day, RECORD_YEARS] | None = None
    any_day: Day | None = None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("work", "1999-12-31T23:59:59Z", "Time should be in the years 2000 to 2100 (UTC)"),
        ("work", "2000-01-01T06:59:59+07:00", "Time should be in the years 2000 to 2100 (UTC)"),
        ("work", "2101-01-01T00:00:00Z", "Time should be in the years 2000 to 2100 (UTC)"),
        ("work", "1850-01-01T00:00:00Z", "Time should be in the years 2000 to 2100 (UTC)"),
        ("record", "1944-12-31", "Date should be in the years 1945 to 2100"),
        ("record", "2101-01-01", "Date should be in the years 1945 to 2100"),
        ("record", "1800-01-01", "Date should be in the years 1945 to 2100"),
        ("any_day", "1899-12-31", "Date should be in the years 1900 to 2200"),
        ("any_day", "2201-01-01", "Date should be in the years 1900 to 2200"),
    ],
)
def test_a_field_refuses_years_outside_its_own_bounds(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Bounded.model_validate({field: value})
    assert [(e["loc"], e["msg"]) for e in raised.value.errors()] == [((field,), message)]


def test_the_bounds_themselves_are_kept() -> None:
    for data in [
        {"work": "2000-01-01T00:00:00Z"},
        {"work": "2100-12-31T23:59:59Z"},
        {"record": "1945-01-01"},
        {"record": "2100-12-31"},
        {"any_day": "1900-01-01"},
        {"any_day": "2200-12-31"},
    ]:
        Bounded.model_validate(data)


def test_years_narrow_any_bounds_they_wrap() -> None:
    class Narrow(BaseModel):
        at: Annotated[Annotated[Instant, Years(1990, 2150)], Years(2000, 2010)]

    with pytest.raises(ValidationError) as raised:
        Narrow.model_validate({"at": "1995-01-01T00:00:00Z"})
    assert raised.value.errors()[0]["msg"] == "Time should be in the years 2000 to 2010 (UTC)"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1900, 6, 1, 12, tzinfo=UTC),
        datetime(1944, 6, 1, 12, tzinfo=UTC),
        datetime(1960, 6, 1, 12, tzinfo=UTC),
        datetime(1975, 6, 1, 12, tzinfo=UTC),
        datetime(2024, 6, 1, 12, tzinfo=UTC),
    ],
    ids=["1900", "1944", "1960", "1975", "2024"],
)
def test_every_time_is_shown_at_plus_seven_whatever_its_year(moment: datetime) -> None:
    class Shown(BaseModel):
        at: VnDatetime

    shown = Shown(at=moment).model_dump(mode="json")["at"]
    assert shown == f"{moment.year}-06-01T19:00:00+07:00"
    assert to_vn(moment).utcoffset() == timedelta(hours=7)


def test_a_plan_year_starts_at_midnight_plus_seven_whatever_the_year() -> None:
    for year in (1960, 2024):
        new_year = datetime(year - 1, 12, 31, 17, tzinfo=UTC)
        assert new_year == datetime(year, 1, 1, tzinfo=VN_TZ)
        assert rules.in_year(new_year, year)
        assert not rules.in_year(new_year - timedelta(seconds=1), year)


@pytest.mark.parametrize(
    "value", ["", "   ", "\u200b", "\u200b\u200d\ufeff", " \n\t\u2060 ", "\u00a0\u200c\u3000"]
)
def test_free_text_that_shows_nothing_is_empty(value: str) -> None:
    class Body(BaseModel):
        reason: FreeText = Field(min_length=1, max_length=20)
        note: FreeText | None = Field(default=None, max_length=20)

    with pytest.raises(ValidationError) as raised:
        Body.model_validate({"reason": value})
    assert _locs(raised) == [(("reason",), "string_too_short")]
    assert Body.model_validate({"reason": "Bão", "note": value}).note == ""
    assert Body.model_validate({"reason": "\u200bBão\u200b"}).reason == "\u200bBão\u200b"


@pytest.mark.parametrize("value", ["   ", "\u3000", "\u200b", "\u200b\u200d"])
def test_a_required_name_that_shows_nothing_is_refused(value: str) -> None:
    class Body(BaseModel):
        name: Name = Field(min_length=1, max_length=20)

    with pytest.raises(ValidationError) as raised:
        Body.model_validate({"name": value})
    assert [e["loc"] for e in raised.value.errors()] == [("name",)]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("UBND tỉnh Nghệ An", "Số 12/KH-UBND"), ("ubnd  TỈNH nghệ an", "số 12/kh-ubnd")),
        (("UBND tỉnh Nghệ An", "Số 12/KH-UBND"), ("UBND\u00a0tỉnh Nghệ\u3000An", "Số  12/KH-UBND")),
        (("Sở Nội vụ", "Số 1"), ("SỞ NỘI VỤ", "SỐ 1")),
    ],
)
def test_plan_numbers_match_whatever_their_case_and_spacing(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert rules.number_key(*first) == rules.number_key(*second)


def test_plan_numbers_keep_diacritics_and_the_issuer_apart() -> None:
    assert rules.number_key("UBND tỉnh Nghệ An", "Số 1") != rules.number_key(
        "UBND tinh Nghe An", "Số 1"
    )
    assert rules.number_key("UBND A", "B 1") != rules.number_key("UBND A B", "1")
