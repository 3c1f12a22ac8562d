"""Domain logic of plans (draft → approved → closed) and the inspections they schedule."""

import logging
import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import and_, col, delete, false, or_, select, true
from uuid6 import uuid7

from contracts.plans import (
    InspectionCancelled,
    InspectionRescheduled,
    InspectionScheduled,
    InspectionStarted,
    LegalDocument,
    PlanApproved,
    PlanClosed,
    PlanSigner,
    document_day,
)
from contracts.visits import VisitStarted
from plans.errors import (
    InspectionNotFound,
    InvalidTransition,
    PlanNotApprovable,
    PlanNotFound,
    PlanNumberTaken,
)
from plans.events import publish
from plans.models import Checklist, Inspection, Plan, PlanTarget, Team, Unit
from plans.scheduling import rules
from plans.scheduling.schemas import (
    InspectionCreate,
    InspectionRead,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    Reschedule,
)
from plans.teams.service import covers, team_subjects, teams_of
from plans.tenancy import TREE, home
from plans.units.service import (
    UNKNOWN_UNIT,
    UNKNOWN_UNIT_VI,
    reachable,
    unit_scope,
    units_of_categories,
    units_within,
)
from servicekit.access import Identity, Role
from servicekit.errors import Invalid
from servicekit.pagination import SortOrder, page_by_id
from servicekit.times import VN_TZ, to_vn, utcnow

log = logging.getLogger(__name__)
PLAN_SORTABLE = {"number": Plan.number, "year": Plan.year, "created_at": Plan.created_at}
INSPECTION_SORTABLE = {"window_start": Inspection.window_start, "created_at": Inspection.created_at}
CLOSING_REASON = "Kế hoạch đã kết thúc"
# Plan and inspection states as Vietnamese messages name them.
STATUS_VI = {
    "draft": "dự thảo",
    "approved": "đã phê duyệt",
    "closed": "đã kết thúc",
    "scheduled": "đã lên lịch",
    "started": "đã bắt đầu",
    "cancelled": "đã hủy",
}
WINDOW_REVERSED = "The window ends before it starts."
WINDOW_REVERSED_VI = "Khoảng thời gian kiểm tra kết thúc trước khi bắt đầu."
# Plan fields a PATCH may clear with null.
NULLABLE = frozenset({"objectives", "issuer_unit_id", "issued_on", "signer", "scope_unit_id"})


async def _check_units(
    session: AsyncSession, unit_ids: list[uuid.UUID], field: str, caller: Identity
) -> None:
    """Refuse units that are not registered or lie outside the caller's province."""
    known = await reachable(session, caller, unit_ids)
    for index, unit_id in enumerate(unit_ids):
        if unit_id not in known:
            loc: list[str | int] = ["body", field]
            raise Invalid.field(
                [*loc, index] if field.endswith("_ids") else loc,
                UNKNOWN_UNIT,
                vi=UNKNOWN_UNIT_VI,
            )


async def _targets(
    session: AsyncSession, plan_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PlanTarget]]:
    rows = await session.scalars(
        select(PlanTarget)
        .where(col(PlanTarget.plan_id).in_(plan_ids))
        .order_by(col(PlanTarget.plan_id), col(PlanTarget.rank))
    )
    targets: dict[uuid.UUID, list[PlanTarget]] = defaultdict(list)
    for row in rows:
        targets[row.plan_id].append(row)
    return targets


def _signer(plan: Plan) -> PlanSigner | None:
    if plan.signer_position is None:
        return None
    return PlanSigner(position=plan.signer_position, full_name=plan.signer_name)


def _plan_read(
    plan: Plan, targets: list[PlanTarget], scope: set[uuid.UUID] | None = None
) -> PlanRead:
    """Return the plan as a caller sees it who sees the units in `scope` (None: every unit)."""
    named = [t.unit_id for t in targets if t.category is None]
    # A draft's categories are not resolved yet; an approved plan's targets are all its rows.
    resolved = [t.unit_id for t in targets] if plan.status != "draft" else []
    return PlanRead.model_validate(
        {
            **plan.model_dump(),
            "signer": _signer(plan),
            "target_unit_ids": _shown_targets(named, scope),
            "resolved_target_unit_ids": _shown_targets(resolved, scope),
        }
    )


def _set_targets(
    session: AsyncSession, plan_id: uuid.UUID, unit_ids: list[uuid.UUID]
) -> list[PlanTarget]:
    rows = [
        PlanTarget(plan_id=plan_id, unit_id=unit_id, rank=rank)
        for rank, unit_id in enumerate(dict.fromkeys(unit_ids))
    ]
    session.add_all(rows)
    return rows


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """Return plan fields as the table holds them: the signer in two columns, categories once."""
    columns = dict(fields)
    if "signer" in columns:
        signer = columns.pop("signer")
        columns["signer_position"] = signer["position"] if signer else None
        columns["signer_name"] = signer["full_name"] if signer else None
    if "target_categories" in columns:
        columns["target_categories"] = list(dict.fromkeys(columns["target_categories"]))
    return columns


async def _check_plan_fields(
    session: AsyncSession,
    fields: dict[str, Any],
    plan_id: uuid.UUID | None,
    *,
    caller: Identity,
    province_id: uuid.UUID | None,
) -> None:
    if not fields.get("target_unit_ids") and not fields.get("target_categories"):
        # An empty list would otherwise read as "every unit in the country".
        raise Invalid.field(
            ["body", "target_unit_ids"],
            "A plan names what it covers: units (target_unit_ids), categories"
            " (target_categories) or both.",
            vi="Kế hoạch phải nêu đối tượng kiểm tra: đơn vị (target_unit_ids), nhóm đối tượng"
            " (target_categories) hoặc cả hai.",
        )
    if fields.get("issuer_unit_id") is not None:
        await _check_units(session, [fields["issuer_unit_id"]], "issuer_unit_id", caller)
    if fields.get("scope_unit_id") is not None:
        await _check_units(session, [fields["scope_unit_id"]], "scope_unit_id", caller)
    if fields.get("target_unit_ids"):
        await _check_units(session, fields["target_unit_ids"], "target_unit_ids", caller)
    issued_on = fields.get("issued_on")
    for index, document in enumerate(fields.get("legal_basis") or []):
        if issued_on is not None and document_day(document["issued_on"]) > issued_on:
            raise Invalid.field(
                ["body", "legal_basis", index, "issued_on"],
                f"The plan, issued on {issued_on}, cannot rest on a document issued after it.",
                vi=f"Kế hoạch ban hành ngày {issued_on} không thể căn cứ vào văn bản ban hành"
                " sau ngày đó.",
            )
    # Numbers are unique within a province: another province's plans stay out of sight.
    taken = await session.scalar(
        select(Plan.id).where(
            col(Plan.province_id) == province_id,
            col(Plan.number_key) == rules.number_key(fields["issuer"], fields["number"]),
            col(Plan.year) == fields["year"],
            col(Plan.id) != plan_id if plan_id else true(),
        )
    )
    if taken is not None:
        raise PlanNumberTaken(
            f"{fields['issuer']} already has plan {fields['number']!r} in {fields['year']}.",
            vi=f"{fields['issuer']} đã có kế hoạch {fields['number']!r} trong năm"
            f" {fields['year']}.",
        )


async def create_plan(session: AsyncSession, *, data: PlanCreate, caller: Identity) -> PlanRead:
    """Draft a plan of the caller's province."""
    province_id = await home(session, caller)
    await _check_plan_fields(
        session, data.model_dump(), None, caller=caller, province_id=province_id
    )
    plan = Plan(
        **_columns(data.model_dump(exclude={"target_unit_ids"})),
        province_id=province_id,
        number_key=rules.number_key(data.issuer, data.number),
        status="draft",
        created_by=caller.subject,
        created_at=utcnow(),
    )
    session.add(plan)
    await session.flush()
    return _plan_read(plan, _set_targets(session, plan.id, data.target_unit_ids))


def _sees_drafts(caller: Identity) -> bool:
    return caller.role in rules.SEES_ALL


def owned_plans(caller: Identity) -> Any:
    """Return the condition selecting the plans of the caller's province."""
    return TREE.owned(caller, col(Plan.province_id))


async def get_plan(
    session: AsyncSession, *, plan_id: uuid.UUID, caller: Identity
) -> tuple[Plan, PlanRead]:
    """Return a plan of the caller's province, as stored and as read.

    A draft exists only for those who plan; another province's plan, for nobody there.
    """
    plan = await session.scalar(select(Plan).where(col(Plan.id) == plan_id, owned_plans(caller)))
    if plan is None or (plan.status == "draft" and not _sees_drafts(caller)):
        raise PlanNotFound(
            f"No plan has id {plan_id}.",
            vi=f"Không có kế hoạch nào có mã định danh {plan_id}.",
        )
    targets = (await _targets(session, [plan.id]))[plan.id]
    scope = await _caller_scope(session, caller)
    return plan, _plan_read(plan, targets, scope)


async def _caller_scope(session: AsyncSession, caller: Identity) -> set[uuid.UUID] | None:
    """Return the units a unit role is scoped to; None for callers who see every unit."""
    return await unit_scope(session, code=caller.unit_code) if caller.unit_scoped else None


def _shown_targets(targets: list[uuid.UUID], scope: set[uuid.UUID] | None) -> list[uuid.UUID]:
    """Return the targets a caller is shown: a unit role, only those within its own scope."""
    return targets if scope is None else [t for t in targets if t in scope]


async def update_plan(
    session: AsyncSession, *, plan: Plan, current: PlanRead, data: PlanUpdate, caller: Identity
) -> PlanRead:
    """Change a draft plan."""
    if plan.status != "draft":
        raise InvalidTransition(
            f"Plan {plan.number!r} is {plan.status}; only a draft changes.",
            vi=f"Kế hoạch {plan.number!r} đang ở trạng thái {STATUS_VI[plan.status]};"
            " chỉ sửa được kế hoạch"
            " dự thảo.",
        )
    changes = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k in NULLABLE
    }
    await _check_plan_fields(
        session,
        {**current.model_dump(), **changes},
        plan.id,
        caller=caller,
        province_id=plan.province_id,
    )
    targets = changes.pop("target_unit_ids", None)
    for field, value in _columns(changes).items():
        setattr(plan, field, value)
    plan.number_key = rules.number_key(plan.issuer, plan.number)
    if targets is not None:
        await session.execute(delete(PlanTarget).where(col(PlanTarget.plan_id) == plan.id))
        rows = _set_targets(session, plan.id, targets)
    else:
        rows = (await _targets(session, [plan.id]))[plan.id]
    plan.updated_at = utcnow()
    return _plan_read(plan, rows)


async def discard_plan(session: AsyncSession, *, plan: Plan) -> None:
    """Delete a draft plan; an approved one is part of the record and stays."""
    if plan.status != "draft":
        raise InvalidTransition(
            f"Plan {plan.number!r} is {plan.status}; only a draft is discarded.",
            vi=f"Kế hoạch {plan.number!r} đang ở trạng thái {STATUS_VI[plan.status]};"
            " chỉ xóa được kế hoạch"
            " dự thảo.",
        )
    await session.execute(delete(PlanTarget).where(col(PlanTarget.plan_id) == plan.id))
    await session.delete(plan)


def _approval_time(plan: Plan, approved_on: date | None, now: datetime) -> datetime:
    """Return when the plan was approved: now, or the past day or time the record gives."""
    if approved_on is None:
        return now
    if isinstance(approved_on, datetime):
        at, future = approved_on, approved_on > now
    else:
        # A day alone: the plan was approved that day, in Vietnam.
        at = datetime(approved_on.year, approved_on.month, approved_on.day, tzinfo=VN_TZ)
        future = approved_on > to_vn(now).date()
    loc: list[str | int] = ["body", "approved_on"]
    if future:
        raise Invalid.field(
            loc,
            "A plan cannot be approved in the future.",
            vi="Ngày phê duyệt kế hoạch không được ở trong tương lai.",
        )
    if plan.issued_on is not None and to_vn(at).date() < plan.issued_on:
        raise Invalid.field(
            loc,
            f"The plan was issued on {plan.issued_on}; it was not approved before.",
            vi=f"Kế hoạch ban hành ngày {plan.issued_on} nên không thể được phê duyệt trước"
            " ngày đó.",
        )
    return at


async def _resolve_targets(session: AsyncSession, plan: Plan) -> list[PlanTarget]:
    """Return the plan's targets: those it names, then its categories' units in its scope."""
    rows = (await _targets(session, [plan.id]))[plan.id]
    categories = plan.target_categories
    if categories:
        if plan.scope_unit_id is None:
            raise PlanNotApprovable(
                f"Plan {plan.number!r} lists target categories but no area they cover:"
                " set scope_unit_id (the province, district or commune) first.",
                vi=f"Kế hoạch {plan.number!r} có nhóm đối tượng kiểm tra nhưng chưa nêu địa bàn:"
                " hãy đặt scope_unit_id (tỉnh, huyện hoặc xã) trước.",
            )
        named = {row.unit_id for row in rows}
        found = await units_of_categories(
            session, scope_id=plan.scope_unit_id, categories=categories, year=plan.year
        )
        added = [
            PlanTarget(plan_id=plan.id, unit_id=unit_id, rank=rank, category=category)
            for rank, (unit_id, category) in enumerate(
                ((u, c) for u, c in found if u not in named), start=len(rows)
            )
        ]
        session.add_all(added)
        rows = [*rows, *added]
    if not rows:
        raise PlanNotApprovable(
            f"No unit of the plan's categories is valid in {plan.year} within its scope:"
            " register them, or name the units the plan covers.",
            vi="Không có đơn vị nào thuộc các nhóm đối tượng của kế hoạch có hiệu lực trong năm"
            f" {plan.year} trên địa bàn của kế hoạch: hãy đăng ký các đơn vị đó, hoặc nêu tên"
            " các đơn vị mà kế hoạch kiểm tra.",
        )
    return rows


async def approve_plan(
    session: AsyncSession,
    *,
    plan: Plan,
    actor: str,
    approved_on: date | None = None,
) -> PlanRead:
    """Approve a draft plan, resolving its target categories, and announce it."""
    if plan.status != "draft":
        raise InvalidTransition(
            f"Plan {plan.number!r} is {plan.status}; only a draft is approved.",
            vi=f"Kế hoạch {plan.number!r} đang ở trạng thái {STATUS_VI[plan.status]};"
            " chỉ phê duyệt được"
            " kế hoạch dự thảo.",
        )
    now = utcnow()
    approved_at = _approval_time(plan, approved_on, now)
    rows = await _resolve_targets(session, plan)
    plan.status, plan.approved_by, plan.approved_at = "approved", actor, approved_at
    plan.updated_at = now
    publish(
        session,
        PlanApproved(
            plan_id=plan.id,
            number=plan.number,
            title=plan.title,
            issuer=plan.issuer,
            year=plan.year,
            kind=plan.kind,
            target_unit_ids=[row.unit_id for row in rows if row.category is None],
            approved_by=actor,
            approved_at=approved_at,
            target_categories=plan.target_categories,
            scope_unit_id=plan.scope_unit_id,
            resolved_target_unit_ids=[row.unit_id for row in rows],
            issued_on=plan.issued_on,
            signer=_signer(plan),
            legal_basis=[LegalDocument.model_validate(d) for d in plan.legal_basis],
        ),
    )
    return _plan_read(plan, rows)


async def close_plan(
    session: AsyncSession, *, plan: Plan, current: PlanRead, actor: str
) -> PlanRead:
    """Close an approved plan; inspections still scheduled under it are cancelled."""
    if plan.status != "approved":
        raise InvalidTransition(
            f"Plan {plan.number!r} is {plan.status}; only an approved plan closes.",
            vi=f"Kế hoạch {plan.number!r} đang ở trạng thái {STATUS_VI[plan.status]};"
            " chỉ kết thúc được"
            " kế hoạch đã phê duyệt.",
        )
    now = utcnow()
    pending = await session.scalars(
        select(Inspection).where(
            col(Inspection.plan_id) == plan.id, col(Inspection.status) == "scheduled"
        )
    )
    for inspection in pending:
        _cancel(session, inspection, reason=CLOSING_REASON, actor=actor, now=now)
    plan.status, plan.closed_by, plan.closed_at, plan.updated_at = "closed", actor, now, now
    publish(
        session, PlanClosed(plan_id=plan.id, number=plan.number, closed_by=actor, closed_at=now)
    )
    return _plan_read(plan, (await _targets(session, [plan.id]))[plan.id])


async def list_plans(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    year: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    target_unit_id: uuid.UUID | None = None,
    sort: str | None = None,
    caller: Identity,
) -> tuple[list[PlanRead], str | None]:
    """Return a page of the plans the caller may see and the cursor of the next page."""
    query = select(Plan).where(owned_plans(caller))
    if not _sees_drafts(caller):
        query = query.where(col(Plan.status) != "draft")
    for column, value in ((Plan.year, year), (Plan.status, status), (Plan.kind, kind)):
        if value is not None:
            query = query.where(col(column) == value)
    scope = await _caller_scope(session, caller)
    if target_unit_id is not None:
        # A unit role asks only about its own units: other targets are not shown to it.
        if scope is not None and target_unit_id not in scope:
            query = query.where(false())
        query = query.where(
            col(Plan.id).in_(
                select(PlanTarget.plan_id).where(col(PlanTarget.unit_id) == target_unit_id)
            )
        )
    order = SortOrder.of(sort, PLAN_SORTABLE) if sort else None
    plans, next_cursor = await page_by_id(
        session, query, id_column=Plan.id, limit=limit, cursor=cursor, sort=order
    )
    targets = await _targets(session, [p.id for p in plans])
    return [_plan_read(p, targets[p.id], scope) for p in plans], next_cursor


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
    targets = [row.unit_id for row in (await _targets(session, [plan.id]))[plan.id]]
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
        publish(
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
    publish(
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
    publish(
        session,
        InspectionCancelled(
            inspection_id=inspection.id,
            plan_id=inspection.plan_id,
            sealed=inspection.sealed,
            reason=None if inspection.sealed else reason,
            cancelled_at=now,
        ),
    )


async def cancel(
    session: AsyncSession, *, inspection: Inspection, reason: str, actor: str
) -> Inspection:
    """Call off a scheduled inspection and announce it."""
    _require_scheduled(inspection, "cancelled", "hủy")
    _cancel(session, inspection, reason=reason, actor=actor, now=utcnow())
    return inspection


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
    sort: str | None = None,
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
    order = SortOrder.of(sort, INSPECTION_SORTABLE) if sort else None
    return await page_by_id(
        session, query, id_column=Inspection.id, limit=limit, cursor=cursor, sort=order
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
    publish(
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
