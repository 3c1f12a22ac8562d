"""Cursor pagination: `?limit=&cursor=`, answered with `{"items": [...], "next_cursor": ...}`."""

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from servicekit.errors import DomainError

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]


class InvalidCursor(DomainError):
    """The cursor was not made by this API."""

    status_code = 422
    title = "Invalid cursor"


T = TypeVar("T")
M = TypeVar("M")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(position: Sequence[Any]) -> str:
    """Return an opaque cursor for the sort key of the last item on a page."""
    raw = json.dumps(list(position), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """Return the sort key an opaque cursor stands for."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor("The cursor is not valid; start again without it.") from None
    if not isinstance(position, list):
        raise InvalidCursor("The cursor is not valid; start again without it.")
    return position


async def page_by_id(
    session: AsyncSession,
    query: SelectOfScalar[M],
    *,
    id_column: Any,
    limit: int,
    cursor: str | None,
) -> tuple[list[M], str | None]:
    """Return one page of `query` in id order (time order for UUIDv7) and the next cursor."""
    query = query.order_by(col(id_column)).limit(limit + 1)
    if cursor is not None:
        position = decode_cursor(cursor)
        try:
            after = uuid.UUID(str(position[0]))
        except (ValueError, IndexError):
            raise InvalidCursor("The cursor is not valid; start again without it.") from None
        query = query.where(col(id_column) > after)
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor([str(id_column_value(rows[limit - 1], id_column))])


def id_column_value(row: Any, id_column: Any) -> Any:
    """Return the value of `id_column` on an ORM row."""
    return getattr(row, id_column.key)
