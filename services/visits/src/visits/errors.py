"""Domain errors of the visits service."""

from servicekit.access import Forbidden
from servicekit.errors import Conflict, NotFound


class VisitNotFound(NotFound):
    """No visit the caller may see has that id."""


class VisitIdReused(Conflict):
    """A visit with that id exists with different content."""


class NotOnTeam(Forbidden):
    """The caller may see the visit but is not on the team that records it."""


class VisitSealed(Conflict):
    """The visit was submitted (or found no access): its record only changes by amendment."""


class VisitStillOpen(Conflict):
    """The visit is not sealed yet: correct it directly instead of amending it."""


class InvalidTransition(Conflict):
    """The visit's state does not allow this step."""


class RecordVersionConflict(Conflict):
    """A record's version is stale, or the same version came with other content."""


class ChecklistNotKnown(Conflict):
    """The checklist version the visit follows has not reached the visits service yet."""
