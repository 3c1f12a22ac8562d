"""Event models: keys, forward compatibility, validation."""

import uuid

import pytest
from pydantic import ValidationError

from contracts.feedback import RatingSubmitted
from contracts.plans import UnitRegistered
from contracts.visits import VisitStarted


def test_key_is_the_aggregate_id() -> None:
    visit_id = uuid.uuid4()
    event = VisitStarted(
        visit_id=visit_id, unit_id=uuid.uuid4(), started_at="2024-02-19T16:15:00+07:00"
    )
    assert event.key() == str(visit_id)


def test_unknown_fields_from_newer_producers_are_ignored() -> None:
    data = {
        "unit_id": str(uuid.uuid4()),
        "code": "22",
        "name": "Tỉnh Quảng Ninh",
        "level": "province",
        "registered_at": "2025-07-01T08:00:00+07:00",
        "added_in_a_later_version": True,
    }
    assert UnitRegistered.model_validate(data).code == "22"


def test_times_without_offset_are_rejected() -> None:
    with pytest.raises(ValidationError):
        VisitStarted(visit_id=uuid.uuid4(), unit_id=uuid.uuid4(), started_at="2024-02-19T16:15:00")


def test_rating_score_is_bounded() -> None:
    with pytest.raises(ValidationError):
        RatingSubmitted(
            rating_id=uuid.uuid4(),
            unit_id=uuid.uuid4(),
            score=6,
            submitted_at="2024-02-19T16:15:00Z",
        )


def test_a_rating_says_who_rated_and_older_ratings_are_citizens() -> None:
    data = {
        "rating_id": str(uuid.uuid4()),
        "unit_id": str(uuid.uuid4()),
        "score": 4,
        "submitted_at": "2024-02-19T16:15:00+07:00",
    }
    assert RatingSubmitted.model_validate(data).rater == "citizen"
    assert RatingSubmitted.model_validate(data | {"rater": "official"}).rater == "official"
    with pytest.raises(ValidationError):
        RatingSubmitted.model_validate(data | {"rater": "anyone"})
