"""CongVu event contracts: every event type, versioned, keyed by its aggregate id."""

from contracts.audit import AuditRecorded
from contracts.base import Event
from contracts.feedback import RatingSubmitted
from contracts.plans import StaffingRecorded, UnitChanged, UnitRegistered
from contracts.registry import EVENT_TYPES, TOPICS, event_class
from contracts.visits import VisitStarted

__all__ = [
    "EVENT_TYPES",
    "TOPICS",
    "AuditRecorded",
    "Event",
    "RatingSubmitted",
    "StaffingRecorded",
    "UnitChanged",
    "UnitRegistered",
    "VisitStarted",
    "event_class",
]
