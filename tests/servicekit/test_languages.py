"""Problems are written in Vietnamese, or in English for a caller who prefers it."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from servicekit.app import create_service_app
from servicekit.config import ServiceSettings
from servicekit.errors import Invalid, NotFound, problem_responses
from servicekit.languages import Language, negotiate
from servicekit.messages import TITLES, field_message
from servicekit.text import FreeText, Name
from servicekit.times import WORK_YEARS, Instant
from tests.support.apps import AppClient, serve
from tests.support.identity import PUBLIC_PEM

EN = {"Accept-Language": "en"}


class ThingNotFound(NotFound):
    """No thing has that id."""


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(min_length=1, max_length=5)
    note: FreeText | None = Field(default=None, max_length=3)
    count: int = 0
    flag: StrictBool = False
    kind: Literal["annual", "thematic"] = "annual"
    at: Annotated[Instant, WORK_YEARS] | None = None
    tags: list[int] = Field(default=[], max_length=2)
    owner: uuid.UUID | None = None


router = APIRouter()


@router.post("/things", status_code=201, responses=problem_responses(404, 422))
async def create_thing(thing: Thing) -> Thing:
    if thing.name == "taken":
        raise Invalid.field(["body", "name"], "This name is taken.", vi="Tên này đã được dùng.")
    return thing


@router.get("/things/{thing_id}")
async def read_thing(thing_id: uuid.UUID) -> None:
    raise ThingNotFound(
        f"No thing has id {thing_id}.", vi=f"Không có vật nào có mã định danh {thing_id}."
    )


@router.get("/plain")
async def plain() -> None:
    raise ThingNotFound("No thing here.")


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AppClient]:
    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db",
        log_json=False,
        identity_public_key=PUBLIC_PEM,
    )
    app = create_service_app(settings, title="t", description="t", routers=[router])
    async with serve(app) as client:
        yield client


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, Language.VI),
        ("", Language.VI),
        ("vi", Language.VI),
        ("vi-VN", Language.VI),
        ("en", Language.EN),
        ("EN", Language.EN),
        ("en-US", Language.EN),
        ("en-GB;q=0.8", Language.EN),
        ("en;q=0.9", Language.EN),
        ("en-US,en;q=0.9,vi;q=0.8", Language.EN),
        ("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", Language.VI),
        ("vi;q=0.5, en;q=0.6", Language.EN),
        ("en;q=0.5, vi;q=0.6", Language.VI),
        ("vi, en", Language.VI),
        ("en, vi", Language.EN),
        ("fr", Language.VI),
        ("fr, en;q=0.1", Language.EN),
        ("*", Language.VI),
        ("*;q=0.5, vi;q=0.1", Language.EN),
        ("en;q=0", Language.VI),
        ("en;q=0, *", Language.VI),
        ("en;q=2", Language.VI),
        ("en;q=abc", Language.VI),
        ("e n", Language.VI),
        ("english", Language.VI),
    ],
)
def test_english_only_when_preferred_over_vietnamese(
    header: str | None, language: Language
) -> None:
    assert negotiate(header) is language


def problem_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def test_a_domain_error_is_vietnamese_by_default(service: AppClient) -> None:
    thing = uuid.uuid4()
    response = await service.get(f"/things/{thing}")
    assert response.status_code == 404
    assert problem_of(response) == {
        "type": "about:blank",
        "title": "Không tìm thấy",
        "status": 404,
        "detail": f"Không có vật nào có mã định danh {thing}.",
        "instance": f"/things/{thing}",
    }
    assert response.headers["content-language"] == "vi"
    assert "Accept-Language" in response.headers["vary"]


@pytest.mark.parametrize("header", ["en", "en-US", "en;q=0.9", "en-GB,en;q=0.9,vi;q=0.5"])
async def test_a_domain_error_is_english_when_asked(service: AppClient, header: str) -> None:
    thing = uuid.uuid4()
    response = await service.get(f"/things/{thing}", headers={"Accept-Language": header})
    problem = problem_of(response)
    assert problem["title"] == "Not Found"
    assert problem["detail"] == f"No thing has id {thing}."
    assert response.headers["content-language"] == "en"
    assert "Accept-Language" in response.headers["vary"]


async def test_a_detail_given_only_in_english_stays_english(service: AppClient) -> None:
    response = await service.get("/plain")
    assert problem_of(response)["title"] == "Không tìm thấy"
    assert problem_of(response)["detail"] == "No thing here."


async def test_field_errors_are_localised(service: AppClient) -> None:
    vietnamese = await service.post("/things", json={"name": "taken"})
    english = await service.post("/things", json={"name": "taken"}, headers=EN)
    assert problem_of(vietnamese)["detail"] == "body.name: Tên này đã được dùng."
    assert problem_of(vietnamese)["errors"] == [
        {"loc": ["body", "name"], "msg": "Tên này đã được dùng."}
    ]
    assert problem_of(english)["detail"] == "body.name: This name is taken."
    assert problem_of(english)["errors"] == [
        {"loc": ["body", "name"], "msg": "This name is taken."}
    ]


@pytest.mark.parametrize(
    ("headers", "title"), [({}, "Dữ liệu không hợp lệ"), (EN, "Unprocessable Content")]
)
async def test_schema_and_domain_422_share_one_title(
    service: AppClient, headers: dict[str, str], title: str
) -> None:
    schema = await service.post("/things", json={"name": 5}, headers=headers)
    domain = await service.post("/things", json={"name": "taken"}, headers=headers)
    assert schema.status_code == domain.status_code == 422
    assert problem_of(schema)["title"] == problem_of(domain)["title"] == title


async def test_a_schema_error_says_what_is_wrong_in_vietnamese(service: AppClient) -> None:
    response = await service.post(
        "/things",
        json={
            "name": "a\u202eb",
            "count": "many",
            "flag": 1,
            "kind": "weekly",
            "at": "1999-06-01T08:00:00+07:00",
            "tags": [1, 2, 3],
            "owner": "nobody",
            "colour": "red",
        },
    )
    assert problem_of(response)["detail"] == "Yêu cầu không hợp lệ; xem chi tiết trong errors."
    messages = {tuple(e["loc"])[1:]: e["msg"] for e in problem_of(response)["errors"]}
    assert messages == {
        ("name",): "Không được dùng ký tự U+202E trong tên",
        ("count",): "Giá trị phải là số nguyên",
        ("flag",): "Giá trị phải là true hoặc false",
        ("kind",): "Giá trị phải là 'annual' hoặc 'thematic'",
        ("at",): "Thời điểm phải thuộc các năm từ 2000 đến 2100 (theo giờ UTC)",
        ("tags",): "Không được có quá 2 phần tử",
        ("owner",): "Giá trị phải là một UUID hợp lệ",
        ("colour",): "Trường này không được chấp nhận",
    }


async def test_a_missing_body_field_and_a_bad_time(service: AppClient) -> None:
    missing = await service.post("/things", json={})
    naive = await service.post("/things", json={"name": "a", "at": "2020-01-01T08:00:00"})
    number = await service.post("/things", json={"name": "a", "at": 1700000000})
    assert problem_of(missing)["errors"] == [
        {"loc": ["body", "name"], "msg": "Thiếu trường bắt buộc"}
    ]
    assert problem_of(naive)["errors"][0]["msg"].startswith("Thời điểm phải kèm múi giờ")
    assert problem_of(number)["errors"][0]["msg"] == (
        "Giá trị phải là thời điểm theo RFC 3339 có múi giờ, ví dụ 2024-02-19T07:30:00+07:00"
    )
    english = await service.post("/things", json={}, headers=EN)
    assert problem_of(english)["errors"] == [{"loc": ["body", "name"], "msg": "Field required"}]


@pytest.mark.parametrize(
    ("body", "vietnamese", "english"),
    [
        (
            {"name": "abcdef"},
            "Không được dài quá 5 ký tự",
            "String should have at most 5 characters",
        ),
        ({"name": " "}, "Phải có ít nhất 1 ký tự", "String should have at least 1 character"),
        # Optional text: pydantic's generic length check would speak of items.
        (
            {"name": "a", "note": "abcd"},
            "Không được dài quá 3 ký tự",
            "String should have at most 3 characters",
        ),
    ],
)
async def test_a_text_limit_counts_characters_never_items(
    service: AppClient, body: dict[str, str], vietnamese: str, english: str
) -> None:
    in_vietnamese = await service.post("/things", json=body)
    in_english = await service.post("/things", json=body, headers=EN)
    assert [e["msg"] for e in problem_of(in_vietnamese)["errors"]] == [vietnamese]
    assert [e["msg"] for e in problem_of(in_english)["errors"]] == [english]


async def test_the_routers_own_problems_follow_the_language(service: AppClient) -> None:
    unknown = await service.get("/nowhere")
    unknown_en = await service.get("/nowhere", headers=EN)
    wrong_method = await service.delete("/things")
    assert (problem_of(unknown)["title"], unknown.headers["content-language"]) == (
        "Không tìm thấy",
        "vi",
    )
    assert problem_of(unknown_en)["title"] == "Not Found"
    # Not a route of the API's policy: the router's own 405, with no detail to translate.
    assert problem_of(wrong_method)["title"] == "Phương thức không được hỗ trợ"


def test_every_status_has_one_title_in_each_language() -> None:
    for status, (english, vietnamese) in TITLES.items():
        assert english, status
        assert vietnamese not in ("", english), status
    assert TITLES[422] == ("Unprocessable Content", "Dữ liệu không hợp lệ")
    assert TITLES[404] == ("Not Found", "Không tìm thấy")


def test_a_message_raised_without_its_context_still_reads() -> None:
    # A validator that re-raises an error of a known type without its ctx.
    error = {"type": "date_range", "msg": "Date should be in the years 1945 to 2100"}
    assert field_message(error, Language.EN) == "Date should be in the years 1945 to 2100"
    assert field_message(error, Language.VI) == (
        "Giá trị không hợp lệ: Date should be in the years 1945 to 2100"
    )


async def test_the_openapi_problem_shows_the_vietnamese_default(service: AppClient) -> None:
    document = (await service.get("/openapi.json")).json()
    problem = document["components"]["schemas"]["Problem"]["properties"]
    field = document["components"]["schemas"]["FieldError"]["properties"]
    assert problem["title"]["examples"] == ["Dữ liệu không hợp lệ"]
    assert problem["detail"]["examples"] == ["Yêu cầu không hợp lệ; xem chi tiết trong errors."]
    assert field["msg"]["examples"] == ["Thiếu trường bắt buộc"]
    assert set(field) == {"loc", "msg"}
    responses = document["paths"]["/things"]["post"]["responses"]
    assert responses["422"]["description"] == "Unprocessable Content"
