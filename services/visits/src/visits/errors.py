"""Domain errors of the visits service."""

from servicekit.errors import Conflict, NotFound


class VisitNotFound(NotFound):
    """No visit has that id."""

    title = "Visit not found"


class VisitIdReused(Conflict):
    """A visit with that id exists with different content."""

    title = "Visit id already used"
