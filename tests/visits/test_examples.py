"""The examples the visits OpenAPI shows are valid bodies and answers, not prose."""

import pytest
from pydantic import BaseModel, TypeAdapter

from visits.amendments.schemas import AmendmentCreate, AmendmentRead
from visits.attendance.schemas import AttendanceOverview, AttendanceRead, AttendanceWrite
from visits.record import VisitRead
from visits.results.schemas import ResultsRead, ResultsWrite
from visits.schemas import NoAccessFields, Submission, VisitCreate, VisitSummary
from visits.violations.schemas import ViolationRead, ViolationWrite

MODELS = (
    VisitCreate,
    VisitSummary,
    VisitRead,
    NoAccessFields,
    Submission,
    AttendanceWrite,
    AttendanceRead,
    AttendanceOverview,
    ResultsWrite,
    ResultsRead,
    ViolationWrite,
    ViolationRead,
    AmendmentRead,
)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_example_validates(model: type[BaseModel]) -> None:
    examples = model.model_json_schema().get("examples")
    assert examples, f"{model.__name__} shows no example"
    for example in examples:
        model.model_validate(example)


def test_the_amendment_example_validates() -> None:
    adapter: TypeAdapter[object] = TypeAdapter(AmendmentCreate)
    examples = adapter.json_schema()["examples"]
    assert examples
    for example in examples:
        adapter.validate_python(example)
