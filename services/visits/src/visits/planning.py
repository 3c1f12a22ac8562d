"""What visits knows of the plans service: inspections, teams, checklists and staffing.

Kept from the plans service's events. One aggregate's events arrive in order (they share a
key), but different aggregates' events arrive in any order: an inspection may be heard of
before its team, so every handler creates what it needs and never assumes another came
first. Each event is applied once (the inbox), and an older announcement never overwrites a
newer one.
"""

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from contracts.plans import (
    ChecklistVersionPublished,
    InspectionCancelled,
    InspectionRescheduled,
    InspectionScheduled,
    InspectionStarted,
    StaffingRecorded,
    TeamChanged,
    TeamFormed,
    TeamMember,
)
from servicekit.times import utcnow
from visits.models import (
    DirectoryChecklist,
    DirectoryInspection,
    DirectoryStaffing,
    DirectoryTeam,
    DirectoryTeamMember,
)

log = logging.getLogger(__name__)


async def on_inspection_scheduled(session: AsyncSession, event: InspectionScheduled) -> None:
    """Know the inspection: its team, its pinned checklist version, and (unsealed) its target."""
    inspection = await session.get(DirectoryInspection, event.inspection_id, with_for_update=True)
    if inspection is None:
        session.add(
            DirectoryInspection(
                id=event.inspection_id,
                plan_id=event.plan_id,
                kind=event.kind,
                team_id=event.team_id,
                checklist_id=event.checklist_id,
                checklist_version=event.checklist_version,
                sealed=event.sealed,
                status="scheduled",
                target_unit_id=event.target_unit_id,
                window_start=event.window_start,
                window_end=event.window_end,
                updated_at=utcnow(),
            )
        )
        return
    # Started first (a replay in another order): keep what it said, add the pinned version.
    inspection.checklist_id = inspection.checklist_id or event.checklist_id
    inspection.checklist_version = inspection.checklist_version or event.checklist_version
    inspection.updated_at = utcnow()


async def _scheduled(session: AsyncSession, inspection_id: uuid.UUID) -> DirectoryInspection | None:
    inspection = await session.get(DirectoryInspection, inspection_id, with_for_update=True)
    if inspection is None:
        log.warning("inspection %s changed before it was heard of; ignored", inspection_id)
        return None
    return inspection if inspection.status == "scheduled" else None


async def on_inspection_rescheduled(session: AsyncSession, event: InspectionRescheduled) -> None:
    """Move the window of an inspection still scheduled (a sealed one's stays unknown)."""
    inspection = await _scheduled(session, event.inspection_id)
    if inspection is not None and event.window_start and event.window_end:
        inspection.window_start, inspection.window_end = event.window_start, event.window_end
        inspection.updated_at = utcnow()


async def on_inspection_cancelled(session: AsyncSession, event: InspectionCancelled) -> None:
    """An inspection called off takes no visit."""
    inspection = await _scheduled(session, event.inspection_id)
    if inspection is not None:
        inspection.status, inspection.updated_at = "cancelled", utcnow()


async def on_inspection_started(session: AsyncSession, event: InspectionStarted) -> None:
    """The plans service accepted a visit as the inspection's start: it is unsealed."""
    inspection = await session.get(DirectoryInspection, event.inspection_id, with_for_update=True)
    if inspection is None:
        inspection = DirectoryInspection(
            id=event.inspection_id,
            plan_id=event.plan_id,
            kind=event.kind,
            team_id=event.team_id,
            sealed=False,
            status="started",
            updated_at=utcnow(),
        )
        session.add(inspection)
    inspection.status, inspection.sealed = "started", False
    inspection.target_unit_id = event.target_unit_id
    inspection.window_start, inspection.window_end = event.window_start, event.window_end
    inspection.started_visit_id = event.visit_id
    inspection.updated_at = utcnow()


async def _keep_team(
    session: AsyncSession,
    *,
    team_id: uuid.UUID,
    announced_at: datetime,
    fields: dict[str, Any],
    members: list[TeamMember],
) -> None:
    team = await session.get(DirectoryTeam, team_id, with_for_update=True)
    if team is not None and team.announced_at > announced_at:
        return
    if team is None:
        team = DirectoryTeam(id=team_id, announced_at=announced_at, updated_at=utcnow(), **fields)
        session.add(team)
    else:
        for name, value in fields.items():
            setattr(team, name, value)
        team.announced_at, team.updated_at = announced_at, utcnow()
        members_of = col(DirectoryTeamMember.team_id) == team_id
        await session.execute(delete(DirectoryTeamMember).where(members_of))
    session.add_all(
        DirectoryTeamMember(team_id=team_id, subject=m.subject, role=m.role) for m in members
    )


async def on_team_formed(session: AsyncSession, event: TeamFormed) -> None:
    """Know the team's members by their sign-in subjects."""
    await _keep_team(
        session,
        team_id=event.team_id,
        announced_at=event.formed_at,
        fields={"name": event.name, "valid_from": event.valid_from, "valid_to": event.valid_to},
        members=event.members,
    )


async def on_team_changed(session: AsyncSession, event: TeamChanged) -> None:
    """Keep the team's members as the plans service last announced them."""
    await _keep_team(
        session,
        team_id=event.team_id,
        announced_at=event.changed_at,
        fields={"name": event.name, "valid_from": event.valid_from, "valid_to": event.valid_to},
        members=event.members,
    )


async def on_checklist_version_published(
    session: AsyncSession, event: ChecklistVersionPublished
) -> None:
    """Keep a published checklist version: it never changes."""
    if await session.get(DirectoryChecklist, (event.checklist_id, event.version)) is not None:
        return
    session.add(
        DirectoryChecklist(
            checklist_id=event.checklist_id,
            version=event.version,
            name=event.name,
            categories=[category.model_dump(mode="json") for category in event.categories],
            published_at=event.published_at,
        )
    )


async def on_staffing_recorded(session: AsyncSession, event: StaffingRecorded) -> None:
    """Keep the unit's staff on roll as last recorded (it replaces every category)."""
    of_unit = col(DirectoryStaffing.unit_id) == event.unit_id
    current = await session.scalars(select(DirectoryStaffing).where(of_unit).with_for_update())
    if any((row.as_of, row.recorded_at) > (event.as_of, event.recorded_at) for row in current):
        return
    await session.execute(delete(DirectoryStaffing).where(of_unit))
    session.add_all(
        DirectoryStaffing(
            unit_id=event.unit_id,
            category=category,
            on_roll=count,
            as_of=event.as_of,
            recorded_at=event.recorded_at,
        )
        for category, count in event.on_roll.items()
    )


def teams_of(subject: str) -> Any:
    """Return a query for the ids of the teams `subject` is on."""
    return select(DirectoryTeamMember.team_id).where(col(DirectoryTeamMember.subject) == subject)


def sealed_inspections() -> Any:
    """Return a query for the ids of the inspections still sealed (surprise, not started)."""
    return select(DirectoryInspection.id).where(col(DirectoryInspection.sealed).is_(True))


async def is_member(session: AsyncSession, *, team_id: uuid.UUID, subject: str) -> bool:
    """Tell whether `subject` is on the team, as the plans service last announced it."""
    found = await session.get(DirectoryTeamMember, (team_id, subject))
    return found is not None


async def checklist_version(
    session: AsyncSession, checklist_id: uuid.UUID | None, version: int | None
) -> DirectoryChecklist | None:
    """Return the published checklist version, if it has reached the visits service."""
    if checklist_id is None or version is None:
        return None
    return await session.get(DirectoryChecklist, (checklist_id, version))


async def staffing_of(session: AsyncSession, unit_id: uuid.UUID) -> list[DirectoryStaffing]:
    """Return the unit's staff on roll by category, as the plans service last recorded it."""
    rows = await session.scalars(
        select(DirectoryStaffing)
        .where(col(DirectoryStaffing.unit_id) == unit_id)
        .order_by(col(DirectoryStaffing.category))
    )
    return list(rows.all())
