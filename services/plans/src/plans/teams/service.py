"""Domain logic of inspection teams."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, or_, select

from contracts.plans import TeamChanged, TeamFormed, TeamMember
from eventbus import outbox
from plans.errors import TeamNotFound, TeamStillScheduled
from plans.models import Inspection, Team, TeamMembership
from plans.teams.schemas import TeamCreate, TeamRead, TeamUpdate
from plans.tenancy import TREE
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import SortKey, page_by_id
from servicekit.times import to_vn, utcnow


def check_members(members: Sequence[TeamMember]) -> None:
    """Refuse a member list without exactly one leader or with a person listed twice."""
    leaders = [m for m in members if m.role == "leader"]
    if len(leaders) != 1:
        raise Invalid.field(
            ["body", "members"],
            "A team has exactly one leader (role 'leader').",
            vi="Đoàn kiểm tra có đúng một trưởng đoàn (role 'leader').",
        )
    seen: set[str] = set()
    for index, member in enumerate(members):
        if member.subject in seen:
            raise Invalid.field(
                ["body", "members", index, "subject"],
                "This person is already on the team.",
                vi="Người này đã có trong đoàn kiểm tra.",
            )
        seen.add(member.subject)


def check_validity(
    valid_from: date, valid_to: date | None, *, given: Collection[str] = ("valid_to",)
) -> None:
    """Refuse a validity period that ends before it starts, blaming the date the body gave."""
    if valid_to is not None and valid_to < valid_from:
        if "valid_to" in given:
            raise Invalid.field(
                ["body", "valid_to"],
                "valid_to is before valid_from.",
                vi="valid_to sớm hơn valid_from.",
            )
        raise Invalid.field(
            ["body", "valid_from"],
            f"The team's validity ends on {valid_to}.",
            vi=f"Đoàn kiểm tra hết hiệu lực ngày {valid_to}.",
        )


def _memberships(team_id: uuid.UUID, members: Sequence[TeamMember]) -> list[TeamMembership]:
    return [
        TeamMembership(team_id=team_id, rank=rank, **member.model_dump())
        for rank, member in enumerate(members)
    ]


async def _members(
    session: AsyncSession, team_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[TeamMember]]:
    rows = await session.scalars(
        select(TeamMembership)
        .where(col(TeamMembership.team_id).in_(team_ids))
        .order_by(col(TeamMembership.team_id), col(TeamMembership.rank))
    )
    members: dict[uuid.UUID, list[TeamMember]] = defaultdict(list)
    for row in rows:
        members[row.team_id].append(
            TeamMember(
                subject=row.subject,
                full_name=row.full_name,
                role=row.role,
                position=row.position,
            )
        )
    return members


def _read(team: Team, members: Sequence[TeamMember]) -> TeamRead:
    return TeamRead.model_validate({**team.model_dump(), "members": members})


async def team_subjects(session: AsyncSession, *, team_id: uuid.UUID) -> set[str]:
    """Return the sign-in subjects of a team's members."""
    rows = await session.scalars(
        select(TeamMembership.subject).where(col(TeamMembership.team_id) == team_id)
    )
    return set(rows.all())


async def teams_of(session: AsyncSession, *, subject: str) -> set[uuid.UUID]:
    """Return the ids of the teams a person is on."""
    rows = await session.scalars(
        select(TeamMembership.team_id).where(col(TeamMembership.subject) == subject)
    )
    return set(rows.all())


def covers(valid_from: date, valid_to: date | None, start: datetime, end: datetime) -> bool:
    """Tell whether a validity period covers a window, judged by dates in Vietnam."""
    return valid_from <= to_vn(start).date() and (valid_to is None or to_vn(end).date() <= valid_to)


async def _check_scheduled_fit(
    session: AsyncSession, team_id: uuid.UUID, valid_from: date, valid_to: date | None
) -> None:
    scheduled = await session.scalars(
        select(Inspection).where(
            col(Inspection.team_id) == team_id, col(Inspection.status) == "scheduled"
        )
    )
    outside = [
        i for i in scheduled if not covers(valid_from, valid_to, i.window_start, i.window_end)
    ]
    if outside:
        raise TeamStillScheduled(
            f"{len(outside)} scheduled inspection(s) of this team fall outside the new"
            " validity; reschedule or cancel them first.",
            vi=f"{len(outside)} cuộc kiểm tra đã lên lịch của đoàn nằm ngoài thời gian hiệu lực"
            " mới; hãy dời lịch hoặc hủy các cuộc kiểm tra đó trước.",
        )


async def form_team(session: AsyncSession, *, data: TeamCreate, province_id: uuid.UUID) -> TeamRead:
    """Found a team of a province by its decision and announce it."""
    check_members(data.members)
    check_validity(data.valid_from, data.valid_to)
    team = Team(
        **data.model_dump(exclude={"members"}), province_id=province_id, created_at=utcnow()
    )
    session.add(team)
    await session.flush()
    session.add_all(_memberships(team.id, data.members))
    outbox.add(
        session,
        TeamFormed(
            team_id=team.id,
            name=team.name,
            decision_number=team.decision_number,
            decision_date=team.decision_date,
            decision_issuer=team.decision_issuer,
            members=list(data.members),
            valid_from=team.valid_from,
            valid_to=team.valid_to,
            formed_at=team.created_at,
        ),
    )
    return _read(team, data.members)


def owned_teams(caller: Identity) -> Any:
    """Return the condition selecting the teams of the caller's province."""
    return TREE.owned(caller, col(Team.province_id))


async def get_team(session: AsyncSession, *, team_id: uuid.UUID, caller: Identity) -> Team:
    """Return one team of the caller's province."""
    team = await session.scalar(select(Team).where(col(Team.id) == team_id, owned_teams(caller)))
    if team is None:
        raise TeamNotFound(
            f"No team has id {team_id}.",
            vi=f"Không có đoàn kiểm tra nào có mã định danh {team_id}.",
        )
    return team


async def team_read(session: AsyncSession, *, team: Team) -> TeamRead:
    """Return the team as the API shows it, with its members."""
    return _read(team, (await _members(session, [team.id]))[team.id])


async def update_team(
    session: AsyncSession, *, team: Team, current: TeamRead, data: TeamUpdate
) -> TeamRead:
    """Change a team's name, members or validity and announce it."""
    changes = data.model_dump(exclude_unset=True, exclude={"members"})
    members: Sequence[TeamMember] = data.members if data.members is not None else current.members
    check_members(members)
    valid_from = changes.get("valid_from", team.valid_from)
    valid_to = changes.get("valid_to", team.valid_to)
    check_validity(valid_from, valid_to, given=changes.keys())
    await _check_scheduled_fit(session, team.id, valid_from, valid_to)
    for field, value in changes.items():
        setattr(team, field, value)
    if data.members is not None:
        await session.execute(delete(TeamMembership).where(col(TeamMembership.team_id) == team.id))
        session.add_all(_memberships(team.id, members))
    team.updated_at = utcnow()
    outbox.add(
        session,
        TeamChanged(
            team_id=team.id,
            name=team.name,
            members=list(members),
            valid_from=team.valid_from,
            valid_to=team.valid_to,
            changed_at=team.updated_at,
        ),
    )
    return _read(team, members)


class TeamSort(SortKey):
    """How the team list may be sorted: `field` ascending, `-field` descending."""

    NAME = "name", Team.name
    NAME_DESC = "-name", Team.name
    CREATED_AT = "created_at", Team.created_at
    CREATED_AT_DESC = "-created_at", Team.created_at


async def list_teams(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    active_on: date | None = None,
    member: str | None = None,
    sort: TeamSort | None = None,
    caller: Identity,
) -> tuple[list[TeamRead], str | None]:
    """Return a page of the caller's province's teams and the cursor of the next page."""
    query = select(Team).where(owned_teams(caller))
    if active_on is not None:
        query = query.where(
            col(Team.valid_from) <= active_on,
            or_(col(Team.valid_to).is_(None), col(Team.valid_to) >= active_on),
        )
    if member is not None:
        query = query.where(
            col(Team.id).in_(
                select(TeamMembership.team_id).where(col(TeamMembership.subject) == member)
            )
        )
    teams, next_cursor = await page_by_id(
        session, query, id_column=Team.id, limit=limit, cursor=cursor, sort=sort
    )
    members = await _members(session, [t.id for t in teams])
    return [_read(t, members[t.id]) for t in teams], next_cursor
