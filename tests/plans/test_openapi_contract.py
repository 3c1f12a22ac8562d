"""The plans service's OpenAPI says what its API does: required headers, nullable fields."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from citizen_feedback.schemas import RatingCreate
from plans.checklists.schemas import ChecklistCreate
from plans.scheduling.schemas import InspectionCreate, PlanCreate, PlanUpdate
from plans.teams.schemas import TeamUpdate
from plans.units.schemas import Staffing, UnitUpdate
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER, create_unit_body
from tests.support.gateway import service_policy
from tests.support.planning import created
from visits.schemas import VisitCreate

UPDATES = (UnitUpdate, TeamUpdate, PlanUpdate)


def document() -> dict[str, Any]:
    app = build_app("plans", database_url="sqlite+aiosqlite:///unused.db", bootstrap=NO_BROKER)
    schema: dict[str, Any] = app.openapi()
    return schema


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document()["paths"].items()
        for method, operation in item.items()
    ]


def test_if_match_is_required_wherever_its_absence_is_428() -> None:
    needing = []
    for method, path, operation in operations():
        headers = {
            p["name"].lower(): p for p in operation.get("parameters", []) if p["in"] == "header"
        }
        if "428" in operation["responses"]:
            needing.append((method, path))
            assert headers["if-match"]["required"] is True, (method, path)
            assert headers["if-match"]["schema"]["type"] == "string", (method, path)
        else:
            assert "if-match" not in headers, (method, path)
    assert len(needing) == 9, needing


def test_every_route_is_in_the_policy_and_the_policy_has_no_other() -> None:
    documented = {(m, p) for m, p, _ in operations() if p.startswith("/api/v1/plans/")}
    assert documented == {(o.method, o.path) for o in service_policy() if "/plans/" in o.path}


def nullable(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "null" for o in options)


@pytest.mark.parametrize("model", UPDATES, ids=lambda m: m.__name__)
def test_a_patch_field_is_nullable_exactly_when_null_is_accepted(model: type[BaseModel]) -> None:
    properties = model.model_json_schema()["properties"]
    for name, schema in properties.items():
        try:
            model.model_validate({name: None})
            accepted = True
        except ValidationError:
            accepted = False
        assert nullable(schema) is accepted, (model.__name__, name, schema)
        if not accepted:
            assert "default" not in schema, (model.__name__, name, schema)


def example(model: type[BaseModel]) -> dict[str, Any]:
    found: dict[str, Any] = model.model_json_schema()["examples"][0]
    return found


CRITERION = example(ChecklistCreate)["categories"][0]["criteria"][0]
INSPECTION = example(InspectionCreate)
WRONG_TYPES = [
    (RatingCreate, {"unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00", "score": True}),
    (RatingCreate, {"unit_id": "0193a5d2-6c1e-7cc0-9a55-3f1c1c2b7e00", "score": "5"}),
    (VisitCreate, example(VisitCreate) | {"surprise": 1}),
    (Staffing, {"as_of": "2021-02-22", "on_roll": {"cadre": False}}),
    (Staffing, {"as_of": "2021-02-22", "on_roll": {"cadre": 4.0}}),
    (PlanCreate, example(PlanCreate) | {"year": "2021"}),
    (PlanUpdate, {"year": 2021.0}),
    (InspectionCreate, INSPECTION | {"checklist_version": "1"}),
    (InspectionCreate, INSPECTION | {"recurrence": {"frequency": "weekly", "count": True}}),
    (
        ChecklistCreate,
        example(ChecklistCreate)
        | {
            "categories": [
                example(ChecklistCreate)["categories"][0]
                | {"criteria": [CRITERION | {"allow_not_applicable": 0, "weight": "2"}]}
            ]
        },
    ),
]


@pytest.mark.parametrize(("model", "body"), WRONG_TYPES, ids=lambda v: getattr(v, "__name__", ""))
def test_numbers_and_booleans_must_be_json_numbers_and_booleans(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    # The schema says integer or boolean; "5", 4.0, 0 or true in their place are refused.
    with pytest.raises(ValidationError):
        model.model_validate(body)


@pytest.fixture
async def plans(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("plans", database_url=await database("plans"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


async def test_an_update_without_if_match_is_still_428(plans: AppClient) -> None:
    unit = await created(plans, "/api/v1/plans/units", create_unit_body())
    path = f"/api/v1/plans/units/{unit['id']}"
    missing = await plans.patch(path, json={"name": "Phường Hồng Gai"})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    assert "If-Match" in missing.json()["detail"]
    # A body that is wrong as well: the body's errors come first, as before.
    both = await plans.patch(path, json={"name": 7})
    assert both.status_code == 422
    current = (await plans.get(path)).headers["etag"]
    cleared = await plans.patch(path, json={"valid_to": None}, headers={"If-Match": current})
    assert cleared.status_code == 200
    assert cleared.json()["valid_to"] is None
