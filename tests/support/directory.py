"""Units the citizen-feedback service knows: it accepts ratings only for registered units."""

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
from fastapi import FastAPI

from contracts.plans import UnitRegistered
from eventbus.directory import on_unit
from servicekit.times import utcnow
from tests.support.waiting import eventually

UNKNOWN = "Không có đơn vị nào trong danh mục có mã định danh này."
UNKNOWN_EN = "No registered unit has this id."


def unit_unknown(response: httpx.Response) -> bool:
    """Tell whether a service refused a unit because the registry's event has not reached it."""
    errors = response.json().get("errors", []) if response.status_code == 422 else []
    return any(
        e == {"loc": ["body", "unit_id"], "msg": msg}
        for e in errors
        for msg in (UNKNOWN, UNKNOWN_EN)
    )


async def announce_unit(
    app: FastAPI,
    *,
    code: str,
    parent_id: uuid.UUID | None = None,
    valid_to: date | None = None,
    unit_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Hand the app's own handler a UnitRegistered event, as its consumer would."""
    event = UnitRegistered(
        unit_id=unit_id or uuid.uuid4(),
        code=code,
        name=f"Đơn vị {code}",
        level="commune" if parent_id else "province",
        parent_id=parent_id,
        valid_to=valid_to,
        registered_at=utcnow(),
    )
    async with app.state.sessionmaker() as session, session.begin():
        await on_unit(session, event)
    return event.unit_id


async def rate_when_known(
    post: Callable[[], Awaitable[httpx.Response]], timeout_s: float = 30.0
) -> httpx.Response:
    """Send a rating until the unit's registration has reached citizen-feedback."""

    async def attempt() -> httpx.Response | None:
        response = await post()
        return None if unit_unknown(response) else response

    return await eventually(attempt, timeout_s=timeout_s, every_s=0.1)


def rate_when_known_sync(
    post: Callable[[], httpx.Response], timeout_s: float = 30.0, every_s: float = 0.1
) -> httpx.Response:
    """The same for a blocking client; signed requests wait past the second to be new."""
    deadline = time.monotonic() + timeout_s
    while unit_unknown(response := post()) and time.monotonic() < deadline:
        time.sleep(every_s)
    return response
