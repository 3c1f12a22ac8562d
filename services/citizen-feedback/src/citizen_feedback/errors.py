"""Domain errors of the citizen-feedback service."""

from servicekit.errors import NotFound


class RatingNotFound(NotFound):
    """No rating has that id."""

    title = "Rating not found"
