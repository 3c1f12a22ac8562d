"""CongVu event contracts: every event type, versioned, keyed by its aggregate id."""

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
from contracts.registry import EVENT_TYPES, TOPICS, event_class
from contracts.visits import VisitStarted

__all__ = [
    "EVENT_TYPES",
    "TOPICS",
    "AuditRecorded",
    "ChecklistVersionPublished",
    "Event",
    "InspectionCancelled",
    "InspectionRescheduled",
    "InspectionScheduled",
    "InspectionStarted",
    "PlanApproved",
    "PlanClosed",
    "RatingSubmitted",
    "StaffingRecorded",
    "TeamChanged",
    "TeamFormed",
    "UnitChanged",
    "UnitRegistered",
    "VisitStarted",
    "event_class",
]
