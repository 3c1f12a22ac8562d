"""PATCH bodies: a field left out keeps its value; an explicit null clears it only if allowed."""

from typing import Any

from pydantic import field_validator


def _refuse_null(cls: Any, value: Any) -> Any:
    if value is None:
        raise ValueError("This field cannot be cleared; leave it out to keep its value.")
    return value


def refuse_null(*fields: str) -> Any:
    """Return a validator giving a 422 on these fields where a PATCH body sends null."""
    return field_validator(*fields)(_refuse_null)
