"""Domain errors of the reporting service."""

from servicekit.errors import NotFound


class UnitNotReported(NotFound):
    """Reporting has no event about that unit."""
