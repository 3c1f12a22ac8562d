"""What visits keeps of the plans service's events: in any order, once, never going back."""

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from contracts.plans import InspectionRescheduled, StaffingRecorded, TeamChanged, TeamMember
from servicekit.times import utcnow
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.factories import NO_BROKER
from tests.visits.known import (
    LEADER,
    MEMBER,
    WINDOW,
    announce_checklist,
    announce_team,
    handle,
    plan,
    scheduled,
    started,
)
from visits.models import (
    DirectoryChecklist,
    DirectoryInspection,
    DirectoryStaffing,
    DirectoryTeamMember,
)


@pytest.fixture
async def visits(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app("visits", database_url=await database("visits"), bootstrap=NO_BROKER)
    async with serve(app, language="en") as client:
        yield client


async def members(visits: AppClient, team_id: uuid.UUID) -> set[str]:
    async with visits.app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(DirectoryTeamMember.subject).where(col(DirectoryTeamMember.team_id) == team_id)
        )
        return set(rows.all())


def change(team_id: uuid.UUID, *subjects: str, at_s: float) -> TeamChanged:
    return TeamChanged(
        team_id=team_id,
        name="Đoàn kiểm tra",
        members=[
            TeamMember(subject=s, full_name="Người", role="leader" if i == 0 else "member")
            for i, s in enumerate(subjects)
        ],
        valid_from=date(2021, 1, 1),
        changed_at=utcnow() + timedelta(seconds=at_s),
    )


async def test_a_team_keeps_its_latest_members(visits: AppClient) -> None:
    team_id = await announce_team(visits.app, LEADER, MEMBER)
    # Formed and changed twice in one batch; then an older change arrives late.
    await handle(
        visits.app,
        change(team_id, LEADER, "le.van.c", at_s=10),
        change(team_id, LEADER, "pham.thi.d", at_s=20),
    )
    assert await members(visits, team_id) == {LEADER, "pham.thi.d"}
    await handle(visits.app, change(team_id, "old.leader", at_s=15))
    assert await members(visits, team_id) == {LEADER, "pham.thi.d"}


async def test_staffing_keeps_the_latest_roll(visits: AppClient) -> None:
    unit_id = uuid.uuid4()

    def staffing(as_of: date, **on_roll: int) -> StaffingRecorded:
        return StaffingRecorded(
            unit_id=unit_id,
            as_of=as_of,
            on_roll=on_roll,  # type: ignore[arg-type]
            recorded_at=utcnow(),
        )

    await handle(visits.app, staffing(date(2021, 1, 1), civil_servant=40, contract=2))
    await handle(visits.app, staffing(date(2020, 1, 1), civil_servant=38))
    await handle(visits.app, staffing(date(2022, 1, 1), civil_servant=41))
    async with visits.app.state.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(DirectoryStaffing).where(col(DirectoryStaffing.unit_id) == unit_id)
            )
        ).all()
    assert [(r.category, r.on_roll, r.as_of) for r in rows] == [
        ("civil_servant", 41, date(2022, 1, 1))
    ]


async def test_an_inspection_follows_its_events_in_any_order(visits: AppClient) -> None:
    planned = await plan(visits.app)

    async def inspection() -> DirectoryInspection:
        async with visits.app.state.sessionmaker() as session:
            return await session.get_one(DirectoryInspection, planned.inspection_id)

    sealed = await inspection()
    assert (sealed.sealed, sealed.target_unit_id, sealed.checklist_version) == (True, None, 1)
    # A sealed inspection's new window stays unknown.
    moved = InspectionRescheduled(
        inspection_id=planned.inspection_id,
        plan_id=planned.plan_id,
        sealed=True,
        rescheduled_at=utcnow(),
    )
    await handle(visits.app, moved)
    assert (await inspection()).window_start is None
    visit_id = uuid.uuid4()
    await handle(visits.app, started(planned, visit_id))
    unsealed = await inspection()
    assert (unsealed.sealed, unsealed.status, unsealed.target_unit_id) == (
        False,
        "started",
        planned.district,
    )
    assert unsealed.window_start == WINDOW[0]
    assert unsealed.started_visit_id == visit_id

    # Heard of first when it started (events replayed in another order): the schedule adds
    # the pinned checklist version and seals nothing again.
    other = await plan(visits.app)
    first = scheduled(team_id=other.team_id, checklist_id=other.checklist_id, target=other.district)
    replayed = started(other, visit_id).model_copy(update={"inspection_id": first.inspection_id})
    await handle(visits.app, replayed)
    await handle(visits.app, first)
    async with visits.app.state.sessionmaker() as session:
        found = await session.get_one(DirectoryInspection, first.inspection_id)
    assert (found.sealed, found.status, found.checklist_id) == (
        False,
        "started",
        other.checklist_id,
    )


async def test_a_checklist_version_never_changes(visits: AppClient) -> None:
    checklist_id = await announce_checklist(visits.app)
    await announce_checklist(visits.app, checklist_id=checklist_id)
    async with visits.app.state.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(DirectoryChecklist).where(
                    col(DirectoryChecklist.checklist_id) == checklist_id
                )
            )
        ).all()
    assert [(r.version, [c["code"] for c in r.categories]) for r in rows] == [
        (1, ["GIO", "MOTCUA"])
    ]
