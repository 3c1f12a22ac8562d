"""Events visits consumes, from the plans service, idempotent through the inbox.

The unit registry (where visits take place), and what a visit needs of its inspection:
the team that records it, the checklist version it follows, the staffing it is compared
with, and whether it is still sealed.
"""

from contracts.plans import (
    ChecklistVersionPublished,
    InspectionCancelled,
    InspectionRescheduled,
    InspectionScheduled,
    InspectionStarted,
    StaffingRecorded,
    TeamChanged,
    TeamFormed,
)
from eventbus import directory
from eventbus.bus import Subscription
from eventbus.consumer import Handlers
from visits import planning

HANDLERS: Handlers = {
    **directory.HANDLERS,
    InspectionScheduled: planning.on_inspection_scheduled,
    InspectionRescheduled: planning.on_inspection_rescheduled,
    InspectionCancelled: planning.on_inspection_cancelled,
    InspectionStarted: planning.on_inspection_started,
    TeamFormed: planning.on_team_formed,
    TeamChanged: planning.on_team_changed,
    ChecklistVersionPublished: planning.on_checklist_version_published,
    StaffingRecorded: planning.on_staffing_recorded,
}

SUBSCRIPTIONS = (Subscription(name="visits.plans", handlers=HANDLERS),)
