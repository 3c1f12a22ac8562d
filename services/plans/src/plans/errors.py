"""Domain errors of the plans service."""

from servicekit.access import Forbidden
from servicekit.errors import Conflict, NotFound


class UnitNotFound(NotFound):
    """No unit has that id."""


class UnitCodeTaken(Conflict):
    """Another unit already has that official code."""


class UnitStillScheduled(Conflict):
    """The change would leave scheduled inspections of the unit outside its validity."""


class SubUnitsOutside(Conflict):
    """The change would leave units beneath this one valid while it is not."""


class StaffingNotRecorded(NotFound):
    """The unit's staff on roll was never recorded."""


class TeamNotFound(NotFound):
    """No team has that id."""


class TeamStillScheduled(Conflict):
    """The change would leave scheduled inspections outside the team's validity."""


class ChecklistNotFound(NotFound):
    """No checklist (or checklist version) has that id."""


class PlanNotFound(NotFound):
    """No plan has that id."""


class PlanNumberTaken(Conflict):
    """The issuer already has a plan with that number in that year."""


class PlanNotApprovable(Conflict):
    """The plan cannot be approved as it stands: what it covers is not settled."""


class InspectionNotFound(NotFound):
    """No inspection the caller may see has that id."""


class InvalidTransition(Conflict):
    """The resource's state does not allow this step (approve a closed plan, …)."""


class NationalChecklist(Forbidden):
    """A province cannot publish versions of the Ministry's checklist."""


class ProvinceKeptNationally(Forbidden):
    """A province's own registry entry is the Ministry's to change."""
