"""The one list of every event type and the topics they travel on."""

from contracts import topics
from contracts.audit import AuditRecorded
from contracts.base import Event
from contracts.feedback import RatingSubmitted
from contracts.plans import (
    ChecklistVersionPublished,
    InspectionCancelled,
    InspectionRescheduled,
    InspectionScheduled,
    InspectionStarted,
    PlanApproved,
    PlanClosed,
    StaffingRecorded,
    TeamChanged,
    TeamFormed,
    UnitChanged,
    UnitRegistered,
)
from contracts.visits import VisitStarted

EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        UnitRegistered,
        UnitChanged,
        StaffingRecorded,
        TeamFormed,
        TeamChanged,
        ChecklistVersionPublished,
        PlanApproved,
        PlanClosed,
        InspectionScheduled,
        InspectionRescheduled,
        InspectionCancelled,
        InspectionStarted,
        VisitStarted,
        RatingSubmitted,
        AuditRecorded,
    )
}

TOPICS: tuple[str, ...] = (
    topics.PLANS,
    topics.VISITS,
    topics.FEEDBACK,
    topics.DOSSIERS,
    topics.AUDIT,
)


class UnknownEventType(LookupError):
    """The CloudEvents type names no event this version of the contracts knows."""


def event_class(event_type: str) -> type[Event]:
    """Return the model registered for a CloudEvents type."""
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None
