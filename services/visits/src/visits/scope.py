"""Which visits a caller sees, and who may see whom a violation names.

- the Ministry sees every visit; a province's admin and inspectorate, its visits;
- team leaders and inspectors see, within their province, the visits of their own teams
  (and the ad hoc ones they started), and the others' once their inspection is no secret;
- unit heads and staff see the visits of their unit and the units beneath it once the record
  is sealed, and never one of an inspection still sealed (a surprise inspection the plans
  service has not yet announced started).

Each is one condition on the visit's query, so a visit the caller may not see costs the
same work as one that does not exist.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import and_, col, false, or_, select, true

from eventbus.directory import DIRECTORY
from servicekit.access import UNIT_SCOPED, Identity, Role
from visits.auth import RECORDERS
from visits.models import Visit
from visits.planning import sealed_inspections, teams_of

SEALED_STATUSES = ("submitted", "no_access")


def recorded_by(caller: Identity) -> Any:
    """Return the condition that the caller is on the team recording the visit."""
    return or_(
        col(Visit.team_id).in_(teams_of(caller.subject)),
        and_(col(Visit.team_id).is_(None), col(Visit.started_by) == caller.subject),
    )


def _unsealed() -> Any:
    return or_(
        col(Visit.inspection_id).is_(None), col(Visit.inspection_id).not_in(sealed_inspections())
    )


def visible(caller: Identity) -> Any:
    """Return the condition selecting the visits the caller may see."""
    if caller.role == Role.NATIONAL:
        return true()
    within = DIRECTORY.within(caller, col(Visit.unit_id))
    if caller.role in (Role.ADMIN, Role.INSPECTORATE):
        return within
    if caller.role in RECORDERS:
        return and_(within, or_(recorded_by(caller), _unsealed()))
    if caller.role in UNIT_SCOPED:
        return and_(within, col(Visit.status).in_(SEALED_STATUSES), _unsealed())
    return false()


def sees_people(caller: Identity, *, on_team: bool) -> bool:
    """Tell whether the caller may read whom violations name: the inspectorate, or the team."""
    return caller.role == Role.INSPECTORATE or (caller.role in RECORDERS and on_team)


def sees_recorders(caller: Identity) -> bool:
    """Tell whether the caller may read who on the team recorded what (inspection staff)."""
    return caller.role not in UNIT_SCOPED


async def at_or_beneath(session: AsyncSession, *, unit_id: uuid.UUID, root_id: uuid.UUID) -> bool:
    """Tell whether `unit_id` is the registry unit `root_id` or one beneath it."""
    tree = DIRECTORY.subtree(select(DIRECTORY.id).where(DIRECTORY.id == root_id))
    found = await session.scalar(
        select(DIRECTORY.id).where(DIRECTORY.id == unit_id, DIRECTORY.id.in_(tree))
    )
    return found is not None
