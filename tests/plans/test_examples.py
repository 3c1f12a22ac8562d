"""The examples the OpenAPI shows are valid bodies and answers, not prose."""

import pytest
from pydantic import BaseModel

from plans.checklists.schemas import (
    ChecklistCreate,
    ChecklistRead,
    ChecklistVersionCreate,
    ChecklistVersionRead,
)
from plans.scheduling.schemas import (
    Cancellation,
    InspectionCreate,
    InspectionRead,
    PlanApproval,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    Reschedule,
)
from plans.teams.schemas import TeamCreate, TeamRead, TeamUpdate
from plans.units.schemas import Staffing, UnitCreate, UnitUpdate

MODELS = (
    ChecklistCreate,
    ChecklistRead,
    ChecklistVersionCreate,
    ChecklistVersionRead,
    Cancellation,
    InspectionCreate,
    InspectionRead,
    PlanApproval,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    Reschedule,
    TeamCreate,
    TeamRead,
    TeamUpdate,
    Staffing,
    UnitCreate,
    UnitUpdate,
)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_example_validates(model: type[BaseModel]) -> None:
    examples = model.model_json_schema().get("examples")
    assert examples, f"{model.__name__} shows no example"
    for example in examples:
        model.model_validate(example)
