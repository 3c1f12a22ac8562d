"""Domain errors of the plans service."""

from servicekit.errors import Conflict, NotFound


class UnitNotFound(NotFound):
    """No unit has that id."""

    title = "Unit not found"


class UnitCodeTaken(Conflict):
    """Another unit already has that official code."""

    title = "Unit code already registered"


class UnitStillScheduled(Conflict):
    """The change would leave scheduled inspections of the unit outside its validity."""

    title = "Unit has inspections scheduled"


class SubUnitsOutside(Conflict):
    """The change would leave units beneath this one valid while it is not."""

    title = "Sub-units valid outside the unit"


class StaffingNotRecorded(NotFound):
    """The unit's staff on roll was never recorded."""

    title = "Staffing not recorded"


class TeamNotFound(NotFound):
    """No team has that id."""

    title = "Team not found"


class TeamStillScheduled(Conflict):
    """The change would leave scheduled inspections outside the team's validity."""

    title = "Team has inspections scheduled"


class ChecklistNotFound(NotFound):
    """No checklist (or checklist version) has that id."""

    title = "Checklist not found"


class PlanNotFound(NotFound):
    """No plan has that id."""

    title = "Plan not found"


class PlanNumberTaken(Conflict):
    """The issuer already has a plan with that number in that year."""

    title = "Plan number already used"


class PlanNotApprovable(Conflict):
    """The plan cannot be approved as it stands: what it covers is not settled."""

    title = "Plan cannot be approved yet"


class InspectionNotFound(NotFound):
    """No inspection the caller may see has that id."""

    title = "Inspection not found"


class InvalidTransition(Conflict):
    """The resource's state does not allow this step (approve a closed plan, …)."""

    title = "Invalid state transition"
