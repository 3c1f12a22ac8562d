"""Domain errors of the visits service."""

from servicekit.errors import Conflict, NotFound


class VisitNotFound(NotFound):
    """No visit has that id."""


class VisitIdReused(Conflict):
    """A visit with that id exists with different content."""
