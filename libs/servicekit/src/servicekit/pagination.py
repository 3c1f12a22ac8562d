"""Cursor pagination: `?limit=&cursor=`, answered with `{"items": [...], "next_cursor": ...}`."""

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Self, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from servicekit.errors import DomainError
from servicekit.times import within_years

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]
# What a cursor may carry for an integer column: the range of BIGINT (SQLite's INTEGER too).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]


class InvalidCursor(DomainError):
    """The cursor was not made by this API."""

    status_code = 422


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
        raise _not_a_cursor() from None
    if not isinstance(position, list):
        raise _not_a_cursor()
    return position


def _not_a_cursor() -> InvalidCursor:
    return InvalidCursor(
        "Invalid cursor: start again without it.",
        vi="Con trỏ phân trang (cursor) không hợp lệ: hãy đọc lại từ đầu, không kèm cursor.",
    )


class SortKey(StrEnum):
    """`?sort=field` or `?sort=-field`, each value with the column it sorts by (never null).

    One subclass per list is both the query parameter's type and its column map:
    `NAME = "name", Team.name` and `NAME_DESC = "-name", Team.name`.
    """

    column: Any

    def __new__(cls, spec: str, column: Any) -> Self:
        key = str.__new__(cls, spec)
        key._value_ = spec
        key.column = column
        return key

    @property
    def descending(self) -> bool:
        """Tell whether the list runs from the largest value down (`-field`)."""
        return self.startswith("-")


def _cursor_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _column_value(column: Any, value: Any) -> Any:
    """Turn a cursor value back into the column's type; raise ValueError if it is not one."""
    # A cursor is client input: only values the database can compare come back.
    column_type: Any = column.type
    python_type = getattr(column_type, "impl", column_type).python_type
    if python_type is datetime and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("cursor time without offset")
        if not within_years(parsed):
            raise ValueError("cursor time out of range")
        return parsed
    if python_type is int and type(value) is int:
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError("cursor integer out of range")
        return value
    if python_type is str and isinstance(value, str):
        # PostgreSQL refuses NUL in text; neither database takes a lone surrogate.
        if "\x00" in value or not _encodable(value):
            raise ValueError("cursor text the database cannot hold")
        return value
    raise ValueError(f"cursor value {value!r} is not a {python_type.__name__}")


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


async def page_by_id(
    session: AsyncSession,
    query: SelectOfScalar[M],
    *,
    id_column: Any,
    limit: int,
    cursor: str | None,
    sort: SortKey | None = None,
) -> tuple[list[M], str | None]:
    """Return one page of `query` and the next cursor (keyset pagination).

    Rows come in id order (time order for UUIDv7), or by `sort` with the id breaking ties.
    """
    ordering = [col(id_column).desc() if sort and sort.descending else col(id_column)]
    if sort is not None:
        ordering.insert(0, col(sort.column).desc() if sort.descending else col(sort.column))
    query = query.order_by(*ordering).limit(limit + 1)
    if cursor is not None:
        query = query.where(_after(decode_cursor(cursor), id_column=id_column, sort=sort))
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    position: list[Any] = [str(getattr(last, id_column.key))]
    if sort is not None:
        position = [sort.value, _cursor_value(getattr(last, sort.column.key)), *position]
    return rows[:limit], encode_cursor(position)


def _after(position: list[Any], *, id_column: Any, sort: SortKey | None) -> Any:
    """Return the condition selecting rows after the cursor's position."""
    invalid = InvalidCursor(
        "Invalid cursor: not one of this list; start again without it.",
        vi="Con trỏ phân trang (cursor) không thuộc danh sách này: hãy đọc lại từ đầu,"
        " không kèm cursor.",
    )
    expected = 3 if sort is not None else 1
    if len(position) != expected or (sort is not None and position[0] != sort.value):
        raise invalid
    try:
        last_id = uuid.UUID(str(position[-1]))
        id_after = (
            col(id_column) < last_id if sort and sort.descending else col(id_column) > last_id
        )
        if sort is None:
            return id_after
        value = _column_value(sort.column, position[1])
        column = col(sort.column)
        beyond = column < value if sort.descending else column > value
    except (ValueError, TypeError):
        raise invalid from None
    return or_(beyond, and_(column == value, id_after))
