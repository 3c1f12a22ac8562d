"""PATCH bodies: a field left out keeps its value; an explicit null clears it only if allowed."""

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError(
            "not_clearable", "This field cannot be cleared; leave it out to keep its value"
        )
    return value


def _not_nullable(schema: JsonDict) -> None:
    """Leave null out of the field's schema: it is refused (an omitted field stays unset)."""
    schema.pop("default", None)
    options = schema.pop("anyOf", None)
    if isinstance(options, list):
        kept = [option for option in options if option != {"type": "null"}]
        if len(kept) == 1 and isinstance(kept[0], dict):
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept


# A PATCH field that may be left out but not cleared: `name: NonNullable[str] = None`.
# Null is a 422, and the OpenAPI schema does not offer it.
NonNullable = Annotated[
    T | None, AfterValidator(_refuse_null), Field(json_schema_extra=_not_nullable)
]
