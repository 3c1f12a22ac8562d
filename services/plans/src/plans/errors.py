"""Domain errors of the plans service."""

from servicekit.errors import Conflict, NotFound


class UnitNotFound(NotFound):
    """No unit has that id."""

    title = "Unit not found"


class UnitCodeTaken(Conflict):
    """Another unit already has that official code."""

    title = "Unit code already registered"


class StaffingNotRecorded(NotFound):
    """The unit's staff on roll was never recorded."""

    title = "Staffing not recorded"
