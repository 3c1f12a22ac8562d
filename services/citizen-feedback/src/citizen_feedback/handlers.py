"""Events citizen-feedback consumes: the unit registry, so ratings name real units."""

from sqlalchemy.ext.asyncio import AsyncSession

from citizen_feedback.models import DirectoryUnit
from contracts import UnitChanged, UnitRegistered, topics
from eventbus.bus import Subscription
from eventbus.consumer import Handlers
from eventbus.envelope import Envelope
from servicekit.times import utcnow


async def on_unit(session: AsyncSession, event: UnitRegistered | UnitChanged, _: Envelope) -> None:
    """Keep the unit's entry in the directory as the registry last announced it."""
    unit = await session.get(DirectoryUnit, event.unit_id, with_for_update=True)
    if unit is None:
        unit = DirectoryUnit(id=event.unit_id, code=event.code, updated_at=utcnow())
        session.add(unit)
    unit.code, unit.parent_id, unit.valid_to = event.code, event.parent_id, event.valid_to
    unit.updated_at = utcnow()


HANDLERS: Handlers = {UnitRegistered: on_unit, UnitChanged: on_unit}

SUBSCRIPTIONS = (
    Subscription(name="citizen-feedback.units", topics=[topics.PLANS], handlers=HANDLERS),
)
