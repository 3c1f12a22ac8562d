"""Domain errors of the citizen-feedback service."""

from servicekit.access import Forbidden
from servicekit.errors import NotFound


class RatingNotFound(NotFound):
    """No rating has that id."""


class OwnUnitRated(Forbidden):
    """A unit's staff may not rate their own unit or the units beneath it."""
