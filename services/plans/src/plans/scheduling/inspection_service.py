"""Domain logic of inspections: scheduled under an approved plan, moved, called off, started."""

import logging
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import and_, col, false, or_, select, true
from uuid6 import uuid7

from contracts.plans import (
    InspectionCancelled,
    InspectionRescheduled,
    InspectionScheduled,
    InspectionStarted,
)
from contracts.visits import VisitStarted, VisitSubmitted
from eventbus import outbox
from plans.errors import InspectionNotFound, InvalidTransition
from plans.models import Checklist, Inspection, Plan, Team, Unit
from plans.scheduling import rules
from plans.scheduling.schemas import STATUS_VI, InspectionCreate, InspectionRead, Reschedule
from plans.scheduling.scope import owned_plans, plan_targets
from plans.teams.service import covers, team_subjects, teams_of
from plans.tenancy import TREE
from plans.units.service import UNKNOWN_UNIT, UNKNOWN_UNIT_VI, unit_scope, units_within
from servicekit.access import Identity, Role
from servicekit.errors import Invalid
from servicekit.pagination import SortKey, page_by_id
from servicekit.times import utcnow

log = logging.getLogger(__name__)
WINDOW_REVERSED = "The window ends before it starts."
WINDOW_REVERSED_VI = "Khoảng thời gian kiểm tra kết thúc trước khi bắt đầu."


def inspection_read(inspection: Inspection) -> InspectionRead:
    """Return the inspection as the API shows it."""
    return InspectionRead.model_validate(inspection.model_dump())


def _history(
    inspection: Inspection, action: str, *, actor: str, at: datetime, reason: str | None = None
) -> None:
    # Reassigned, not appended in place: the JSON column notices assignments only.
    inspection.history = [
        *inspection.history,
        {
            "action": action,
            "at": at.isoformat(),
            "by": actor,
            "reason": reason,
            "window_start": inspection.window_start.isoformat(),
            "window_end": inspection.window_end.isoformat(),
        },
    ]


def _outside(valid_from: date, valid_to: date | None, start: datetime, end: datetime) -> str | None:
    """Name the end of a window that falls outside a validity period, if one does."""
    for field, moment in (("window_start", start), ("window_end", end)):
        if not covers(valid_from, valid_to, moment, moment):
            return field
    return None


def _check_windows(
    plan: Plan,
    unit: Unit,
    team: Team,
    windows: list[tuple[datetime, datetime]],
    *,
    unit_loc: str | None = None,
    team_loc: str | None = None,
) -> None:
    """Refuse windows outside the plan's year, the unit's existence or the team's validity.

    The error names the end of the window that falls outside, or `recurrence` when a later
    occurrence does; `unit_loc` and `team_loc` name the field to blame instead when the unit
    or the team does not fit (a new inspection chooses them).
    """
    (start, end), later = windows[0], windows[1:]
    ends = (("window_start", start), ("window_end", end))
    year_loc = next((f for f, m in ends if not rules.in_year(m, plan.year)), None)
    if year_loc is None and not all(
        rules.in_year(s, plan.year) and rules.in_year(e, plan.year) for s, e in later
    ):
        year_loc = "recurrence"
    if year_loc is not None:
        raise Invalid.field(
            ["body", year_loc],
            f"Every inspection of this plan falls within {plan.year}.",
            vi=f"Mọi cuộc kiểm tra của kế hoạch này phải diễn ra trong năm {plan.year}.",
        )
    first, last = windows[0][0], windows[-1][1]
    unit_end = _outside(unit.valid_from or date.min, unit.valid_to, first, last)
    if unit_end is not None:
        raise Invalid.field(
            ["body", unit_loc or unit_end],
            f"The unit exists from {unit.valid_from or '…'} to {unit.valid_to or '…'} only.",
            vi=f"Đơn vị chỉ tồn tại từ {unit.valid_from or '…'} đến {unit.valid_to or '…'}.",
        )
    team_end = _outside(team.valid_from, team.valid_to, first, last)
    if team_end is not None:
        raise Invalid.field(
            ["body", team_loc or team_end],
            "The team is not valid for the whole window.",
            vi="Đoàn kiểm tra không có hiệu lực trong suốt khoảng thời gian kiểm tra.",
        )


async def _check_schedule(
    session: AsyncSession, data: InspectionCreate, plan: Plan, caller: Identity
) -> tuple[int, list[tuple[datetime, datetime]]]:
    if plan.status != "approved":
        raise InvalidTransition(
            f"Plan {plan.number!r} is {plan.status}; inspections are scheduled under an"
            " approved plan.",
            vi=f"Kế hoạch {plan.number!r} đang ở trạng thái {STATUS_VI[plan.status]};"
            " chỉ lên lịch kiểm tra"
            " theo kế hoạch đã phê duyệt.",
        )
    if data.window_end <= data.window_start:
        raise Invalid.field(["body", "window_end"], WINDOW_REVERSED, vi=WINDOW_REVERSED_VI)
    if data.kind == "thematic" and not data.topic:
        raise Invalid.field(
            ["body", "topic"],
            "A thematic inspection names its topic.",
            vi="Cuộc kiểm tra chuyên đề phải nêu chuyên đề.",
        )
    if data.kind == "surprise" and data.recurrence is not None:
        # A pattern would let the unit work out the dates of the occurrences still sealed.
        raise Invalid.field(
            ["body", "recurrence"],
            "A surprise inspection does not recur.",
            vi="Cuộc kiểm tra đột xuất không được lặp lại.",
        )
    unit = await session.scalar(
        select(Unit).where(col(Unit.id) == data.target_unit_id, TREE.within(caller, col(Unit.id)))
    )
    if unit is None:
        raise Invalid.field(["body", "target_unit_id"], UNKNOWN_UNIT, vi=UNKNOWN_UNIT_VI)
    # An approved plan's targets are settled: those it named and those its categories found.
    targets = [row.unit_id for row in (await plan_targets(session, [plan.id]))[plan.id]]
    if unit.id not in await units_within(session, targets):
        raise Invalid.field(
            ["body", "target_unit_id"],
            "The plan does not cover this unit or any unit above it.",
            vi="Kế hoạch không bao gồm đơn vị này hay đơn vị cấp trên nào của nó.",
        )
    team = await session.get(Team, data.team_id)
    # The plan's province inspects with its own teams.
    if team is None or team.province_id != plan.province_id:
        raise Invalid.field(
            ["body", "team_id"],
            "No team has this id.",
            vi="Không có đoàn kiểm tra nào có mã định danh này.",
        )
    recurrence = data.recurrence
    windows = rules.occurrences(
        data.window_start,
        data.window_end,
        recurrence.frequency if recurrence else None,
        recurrence.count if recurrence else 1,
    )
    _check_windows(plan, unit, team, windows, unit_loc="target_unit_id", team_loc="team_id")
    checklist = await session.get(Checklist, data.checklist_id)
    if checklist is None or checklist.province_id not in (None, plan.province_id):
        raise Invalid.field(
            ["body", "checklist_id"],
            "No checklist has this id.",
            vi="Không có bộ tiêu chí nào có mã định danh này.",
        )
    version = data.checklist_version or checklist.current_version
    if version > checklist.current_version:
        raise Invalid.field(
            ["body", "checklist_version"],
            f"The checklist's newest version is {checklist.current_version}.",
            vi=f"Phiên bản mới nhất của bộ tiêu chí là {checklist.current_version}.",
        )
    return version, windows


async def schedule(
    session: AsyncSession, *, data: InspectionCreate, caller: Identity
) -> list[Inspection]:
    """Schedule an inspection (or a recurring series) and announce each occurrence."""
    actor = caller.subject
    plan = await session.scalar(
        select(Plan).where(col(Plan.id) == data.plan_id, owned_plans(caller))
    )
    if plan is None:
        raise Invalid.field(
            ["body", "plan_id"],
            "No plan has this id.",
            vi="Không có kế hoạch nào có mã định danh này.",
        )
    version, windows = await _check_schedule(session, data, plan, caller)
    series_id, now = uuid7(), utcnow()
    inspections = []
    for occurrence, (start, end) in enumerate(windows, start=1):
        inspection = Inspection(
            plan_id=plan.id,
            series_id=series_id,
            occurrence=occurrence,
            kind=data.kind,
            target_unit_id=data.target_unit_id,
            window_start=start,
            window_end=end,
            team_id=data.team_id,
            checklist_id=data.checklist_id,
            checklist_version=version,
            topic=data.topic,
            status="scheduled",
            sealed=data.kind == "surprise",
            history=[],
            created_by=actor,
            created_at=now,
        )
        _history(inspection, "scheduled", actor=actor, at=now)
        session.add(inspection)
        inspections.append(inspection)
        sealed = inspection.sealed
        outbox.add(
            session,
            InspectionScheduled(
                inspection_id=inspection.id,
                plan_id=plan.id,
                series_id=series_id,
                kind=data.kind,
                team_id=data.team_id,
                checklist_id=data.checklist_id,
                checklist_version=version,
                sealed=sealed,
                target_unit_id=None if sealed else data.target_unit_id,
                window_start=None if sealed else start,
                window_end=None if sealed else end,
                scheduled_at=now,
            ),
        )
    return inspections


async def _visible(session: AsyncSession, caller: Identity) -> Any:
    """Return the condition selecting the inspections the caller may see."""
    if caller.role == Role.NATIONAL:
        return true()
    province = col(Inspection.plan_id).in_(select(Plan.id).where(owned_plans(caller)))
    if caller.role in rules.SEES_ALL:
        return province
    if caller.role in rules.TEAM_ROLES:
        mine = await teams_of(session, subject=caller.subject)
        return and_(
            province, or_(col(Inspection.sealed).is_(False), col(Inspection.team_id).in_(mine))
        )
    if caller.role in (Role.UNIT_HEAD, Role.UNIT_STAFF):
        scope = await unit_scope(session, code=caller.unit_code)
        return and_(col(Inspection.sealed).is_(False), col(Inspection.target_unit_id).in_(scope))
    return false()


async def get_inspection(
    session: AsyncSession, *, inspection_id: uuid.UUID, caller: Identity
) -> Inspection:
    """Return one inspection the caller may see; a sealed one is not found for anyone else."""
    inspection = await session.scalar(
        select(Inspection).where(
            col(Inspection.id) == inspection_id, await _visible(session, caller)
        )
    )
    if inspection is None:
        raise InspectionNotFound(
            f"No inspection has id {inspection_id}.",
            vi=f"Không có cuộc kiểm tra nào có mã định danh {inspection_id}.",
        )
    return inspection


def _require_scheduled(inspection: Inspection, step: str, step_vi: str) -> None:
    if inspection.status != "scheduled":
        raise InvalidTransition(
            f"The inspection is {inspection.status}; it cannot be {step}.",
            vi=f"Cuộc kiểm tra đang ở trạng thái {STATUS_VI[inspection.status]};"
            f" không thể {step_vi}.",
        )


async def reschedule(
    session: AsyncSession, *, inspection: Inspection, data: Reschedule, actor: str
) -> Inspection:
    """Move a scheduled inspection's window and announce it (sealed: without the window)."""
    _require_scheduled(inspection, "rescheduled", "dời lịch")
    if data.window_end <= data.window_start:
        raise Invalid.field(["body", "window_end"], WINDOW_REVERSED, vi=WINDOW_REVERSED_VI)
    plan = await session.get_one(Plan, inspection.plan_id)
    if plan.status == "closed":
        raise InvalidTransition(
            f"Plan {plan.number!r} is closed.", vi=f"Kế hoạch {plan.number!r} đã kết thúc."
        )
    unit = await session.get_one(Unit, inspection.target_unit_id)
    team = await session.get_one(Team, inspection.team_id)
    window = [(data.window_start, data.window_end)]
    _check_windows(plan, unit, team, window)
    now = utcnow()
    inspection.window_start, inspection.window_end, inspection.updated_at = (
        data.window_start,
        data.window_end,
        now,
    )
    _history(inspection, "rescheduled", actor=actor, at=now, reason=data.reason)
    sealed = inspection.sealed
    outbox.add(
        session,
        InspectionRescheduled(
            inspection_id=inspection.id,
            plan_id=inspection.plan_id,
            sealed=sealed,
            window_start=None if sealed else data.window_start,
            window_end=None if sealed else data.window_end,
            reason=None if sealed else data.reason,
            rescheduled_at=now,
        ),
    )
    return inspection


def _cancel(
    session: AsyncSession, inspection: Inspection, *, reason: str, actor: str, now: datetime
) -> None:
    inspection.status, inspection.updated_at = "cancelled", now
    _history(inspection, "cancelled", actor=actor, at=now, reason=reason)
    outbox.add(
        session,
        InspectionCancelled(
            inspection_id=inspection.id,
            plan_id=inspection.plan_id,
            sealed=inspection.sealed,
            reason=None if inspection.sealed else reason,
            cancelled_at=now,
        ),
    )


async def cancel_scheduled(
    session: AsyncSession, *, plan: Plan, reason: str, actor: str, now: datetime
) -> None:
    """Call off the plan's inspections still scheduled and announce each."""
    pending = await session.scalars(
        select(Inspection).where(
            col(Inspection.plan_id) == plan.id, col(Inspection.status) == "scheduled"
        )
    )
    for inspection in pending:
        _cancel(session, inspection, reason=reason, actor=actor, now=now)


async def cancel(
    session: AsyncSession, *, inspection: Inspection, reason: str, actor: str
) -> Inspection:
    """Call off a scheduled inspection and announce it."""
    _require_scheduled(inspection, "cancelled", "hủy")
    _cancel(session, inspection, reason=reason, actor=actor, now=utcnow())
    return inspection


class InspectionSort(SortKey):
    """How the inspection list may be sorted: `field` ascending, `-field` descending."""

    WINDOW_START = "window_start", Inspection.window_start
    WINDOW_START_DESC = "-window_start", Inspection.window_start
    CREATED_AT = "created_at", Inspection.created_at
    CREATED_AT_DESC = "-created_at", Inspection.created_at


async def list_inspections(
    session: AsyncSession,
    *,
    caller: Identity,
    limit: int,
    cursor: str | None,
    plan_id: uuid.UUID | None = None,
    series_id: uuid.UUID | None = None,
    target_unit_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    kind: str | None = None,
    status: str | None = None,
    sort: InspectionSort | None = None,
) -> tuple[list[Inspection], str | None]:
    """Return a page of the inspections the caller may see."""
    query = select(Inspection).where(await _visible(session, caller))
    for column, value in (
        (Inspection.plan_id, plan_id),
        (Inspection.series_id, series_id),
        (Inspection.target_unit_id, target_unit_id),
        (Inspection.team_id, team_id),
        (Inspection.kind, kind),
        (Inspection.status, status),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    return await page_by_id(
        session, query, id_column=Inspection.id, limit=limit, cursor=cursor, sort=sort
    )


async def start_inspection(session: AsyncSession, *, visit: VisitStarted) -> None:
    """Mark the inspection a visit belongs to as started: a sealed one is unsealed."""
    if visit.inspection_id is None:
        return
    inspection = await session.get(Inspection, visit.inspection_id, with_for_update=True)
    if inspection is None or inspection.status != "scheduled":
        log.warning(
            "visit %s names inspection %s, which is not scheduled; ignored",
            visit.visit_id,
            visit.inspection_id,
        )
        return
    if visit.unit_id not in await units_within(session, [inspection.target_unit_id]):
        log.warning(
            "visit %s is at unit %s, outside inspection %s's target; ignored",
            visit.visit_id,
            visit.unit_id,
            inspection.id,
        )
        return
    # Only the inspection's own team can start it (and so unseal it).
    if visit.started_by not in await team_subjects(session, team_id=inspection.team_id):
        log.warning(
            "visit %s was started by %r, who is not on inspection %s's team; ignored",
            visit.visit_id,
            visit.started_by,
            inspection.id,
        )
        return
    now = utcnow()
    inspection.status, inspection.sealed = "started", False
    inspection.visit_id, inspection.started_at, inspection.updated_at = (
        visit.visit_id,
        visit.started_at,
        now,
    )
    _history(inspection, "started", actor=f"visit:{visit.visit_id}", at=now)
    outbox.add(
        session,
        InspectionStarted(
            inspection_id=inspection.id,
            plan_id=inspection.plan_id,
            kind=inspection.kind,
            target_unit_id=inspection.target_unit_id,
            window_start=inspection.window_start,
            window_end=inspection.window_end,
            team_id=inspection.team_id,
            visit_id=visit.visit_id,
            started_at=visit.started_at,
        ),
    )


async def record_submitted(session: AsyncSession, *, visit: VisitSubmitted) -> None:
    """Note on the started inspection a visit carried out that its record is sealed."""
    if visit.inspection_id is None:
        return
    inspection = await session.get(Inspection, visit.inspection_id, with_for_update=True)
    if inspection is None or inspection.visit_id != visit.visit_id:
        log.warning(
            "visit %s names inspection %s, which it did not start; ignored",
            visit.visit_id,
            visit.inspection_id,
        )
        return
    inspection.recorded_at, inspection.record_digest = visit.submitted_at, visit.digest
    inspection.updated_at = utcnow()
    _history(inspection, "recorded", actor=f"visit:{visit.visit_id}", at=visit.submitted_at)
