"""What the plans service announced, handed to the visits app's own handlers as its consumer would.

`plan(app)` gives a district of HOME with an office beneath it, a team, a checklist version
and an inspection of the district, as the visits service knows them from events.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI

from contracts.base import Event
from contracts.plans import (
    ChecklistCategory,
    ChecklistVersionPublished,
    Criterion,
    InspectionCancelled,
    InspectionScheduled,
    InspectionStarted,
    StaffingRecorded,
    TeamChanged,
    TeamFormed,
    TeamMember,
)
from servicekit.access import Identity, Role
from servicekit.times import utcnow
from tests.support.directory import announce_unit
from tests.support.identity import HOME_CODE, HOME_ID, As
from visits.handlers import HANDLERS

LEADER, MEMBER = "nguyen.van.an", "tran.thi.binh"
WINDOW = (
    datetime.fromisoformat("2021-02-22T07:30:00+07:00"),
    datetime.fromisoformat("2021-02-24T17:00:00+07:00"),
)
# GIO.4 may be not applicable; weights 3, 2, 1 and 2, 1.
CATEGORIES = [
    ChecklistCategory(
        code="GIO",
        title="Thời giờ làm việc",
        criteria=[
            Criterion(code="GIO.1", title="Có mặt đúng giờ", weight=3),
            Criterion(code="GIO.2", title="Vắng mặt có lý do", weight=2),
            Criterion(code="GIO.4", title="Dự họp đầy đủ", weight=1, allow_not_applicable=True),
        ],
    ),
    ChecklistCategory(
        code="MOTCUA",
        title="Bộ phận một cửa",
        criteria=[
            Criterion(code="MOTCUA.1", title="Có bộ phận một cửa", weight=2),
            Criterion(code="MOTCUA.2", title="Lịch trực niêm yết đúng", weight=1),
        ],
    ),
]


def person(subject: str, role: Role = Role.INSPECTOR, unit: str = HOME_CODE) -> As:
    """Return the auth of a person signed in as `subject`."""
    return As(Identity(subject=subject, role=role, unit_code=unit))


async def handle(app: FastAPI, *events: Event) -> None:
    """Apply events in one transaction, as the consumer applies a fetched batch."""
    async with app.state.sessionmaker() as session, session.begin():
        for event in events:
            await HANDLERS[type(event)](session, event)


async def announce_team(
    app: FastAPI, *subjects: str, team_id: uuid.UUID | None = None, changed: bool = False
) -> uuid.UUID:
    """Announce a team whose first subject leads; `changed` announces a change of its members."""
    team_id = team_id or uuid.uuid4()
    members = [
        TeamMember(
            subject=subject, full_name=f"Người {index}", role="leader" if index == 0 else "member"
        )
        for index, subject in enumerate(subjects)
    ]
    event: Event
    if changed:
        event = TeamChanged(
            team_id=team_id,
            name="Đoàn kiểm tra liên ngành",
            members=members,
            valid_from=date(2021, 1, 15),
            changed_at=utcnow(),
        )
    else:
        event = TeamFormed(
            team_id=team_id,
            name="Đoàn kiểm tra liên ngành",
            decision_number="Số 45/QĐ-UBND",
            decision_date=date(2021, 1, 15),
            decision_issuer="UBND tỉnh Nghệ An",
            members=members,
            valid_from=date(2021, 1, 15),
            formed_at=utcnow(),
        )
    await handle(app, event)
    return team_id


async def announce_checklist(
    app: FastAPI,
    *,
    checklist_id: uuid.UUID | None = None,
    version: int = 1,
    categories: list[ChecklistCategory] | None = None,
) -> uuid.UUID:
    """Announce a published checklist version (CATEGORIES unless told otherwise)."""
    checklist_id = checklist_id or uuid.uuid4()
    await handle(
        app,
        ChecklistVersionPublished(
            checklist_id=checklist_id,
            version=version,
            name="Bộ tiêu chí thử",
            categories=categories or CATEGORIES,
            published_by="inspectorate-1",
            published_at=utcnow(),
        ),
    )
    return checklist_id


def scheduled(
    *,
    team_id: uuid.UUID,
    checklist_id: uuid.UUID,
    target: uuid.UUID,
    version: int = 1,
    kind: str = "surprise",
) -> InspectionScheduled:
    """Return the event scheduling an inspection of `target` (a surprise one sealed)."""
    sealed = kind == "surprise"
    return InspectionScheduled(
        inspection_id=uuid.uuid4(),
        plan_id=uuid.uuid4(),
        series_id=uuid.uuid4(),
        kind=kind,  # type: ignore[arg-type]
        team_id=team_id,
        checklist_id=checklist_id,
        checklist_version=version,
        sealed=sealed,
        target_unit_id=None if sealed else target,
        window_start=None if sealed else WINDOW[0],
        window_end=None if sealed else WINDOW[1],
        scheduled_at=utcnow(),
    )


def started(planned: "Planned", visit_id: str | uuid.UUID) -> InspectionStarted:
    """Return the event the plans service publishes once it accepted the visit as the start."""
    return InspectionStarted(
        inspection_id=planned.inspection_id,
        plan_id=planned.plan_id,
        kind="surprise",
        target_unit_id=planned.district,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        team_id=planned.team_id,
        visit_id=uuid.UUID(str(visit_id)),
        started_at=WINDOW[0],
    )


def cancelled(planned: "Planned") -> InspectionCancelled:
    """Return the event calling the inspection off."""
    return InspectionCancelled(
        inspection_id=planned.inspection_id,
        plan_id=planned.plan_id,
        sealed=True,
        cancelled_at=utcnow(),
    )


async def announce_staffing(
    app: FastAPI, unit_id: uuid.UUID, on_roll: dict[str, int], as_of: date = date(2021, 1, 1)
) -> None:
    """Announce the unit's staff on roll by category."""
    await handle(
        app,
        StaffingRecorded(
            unit_id=unit_id,
            as_of=as_of,
            on_roll=on_roll,  # type: ignore[arg-type]
            recorded_at=utcnow(),
        ),
    )


@dataclass
class Planned:
    """A district of HOME and an office beneath it, a team, a checklist and an inspection."""

    district: uuid.UUID
    district_code: str
    office: uuid.UUID
    office_code: str
    team_id: uuid.UUID
    checklist_id: uuid.UUID
    inspection_id: uuid.UUID
    plan_id: uuid.UUID
    kind: str
    leader: As = field(default_factory=lambda: person(LEADER, Role.TEAM_LEADER))
    member: As = field(default_factory=lambda: person(MEMBER))

    def visit(self, **overrides: Any) -> dict[str, Any]:
        """Return a body starting a visit of the inspection at the district."""
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "unit_id": str(self.district),
            "inspection_id": str(self.inspection_id),
            "started_at": "2021-02-22T16:15:00+07:00",
            "surprise": self.kind == "surprise",
            "note": "Kiểm tra đột xuất 9 phòng chuyên môn",
            "location": {"latitude": 19.4152, "longitude": 104.2189, "accuracy_m": 12.5},
        }
        return body | overrides


async def plan(app: FastAPI, *, kind: str = "surprise", members: tuple[str, ...] = ()) -> Planned:
    """Announce a district with an office, a team (LEADER, MEMBER), a checklist, an inspection."""
    suffix = uuid.uuid4().hex[:8]
    district_code, office_code = f"D{suffix}", f"O{suffix}"
    district = await announce_unit(app, code=district_code, parent_id=HOME_ID)
    office = await announce_unit(app, code=office_code, parent_id=district)
    team_id = await announce_team(app, LEADER, MEMBER, *members)
    checklist_id = await announce_checklist(app)
    event = scheduled(team_id=team_id, checklist_id=checklist_id, target=district, kind=kind)
    await handle(app, event)
    return Planned(
        district=district,
        district_code=district_code,
        office=office,
        office_code=office_code,
        team_id=team_id,
        checklist_id=checklist_id,
        inspection_id=event.inspection_id,
        plan_id=event.plan_id,
        kind=kind,
    )
