"""Domain logic of plans: draft → approved → closed."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, false, select, true

from contracts.plans import LegalDocument, PlanApproved, PlanClosed, PlanSigner, document_day
from eventbus import outbox
from plans.errors import InvalidTransition, PlanNotApprovable, PlanNotFound, PlanNumberTaken
from plans.models import Plan, PlanTarget
from plans.scheduling import inspection_service, rules
from plans.scheduling.schemas import STATUS_VI, PlanCreate, PlanRead, PlanUpdate
from plans.scheduling.scope import owned_plans, plan_targets
from plans.tenancy import home
from plans.units.service import (
    UNKNOWN_UNIT,
    UNKNOWN_UNIT_VI,
    reachable,
    unit_scope,
    units_of_categories,
)
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import SortKey, page_by_id
from servicekit.times import VN_TZ, to_vn, utcnow

CLOSING_REASON = "Kế hoạch đã kết thúc"
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


def _signer(plan: Plan) -> PlanSigner | None:
    if plan.signer_position is None:
        return None
    return PlanSigner(position=plan.signer_position, full_name=plan.signer_name)


def _as_read(
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
    return _as_read(plan, _set_targets(session, plan.id, data.target_unit_ids))


def _sees_drafts(caller: Identity) -> bool:
    return caller.role in rules.SEES_ALL


async def get_plan(session: AsyncSession, *, plan_id: uuid.UUID, caller: Identity) -> Plan:
    """Return a plan of the caller's province.

    A draft exists only for those who plan; another province's plan, for nobody there.
    """
    plan = await session.scalar(select(Plan).where(col(Plan.id) == plan_id, owned_plans(caller)))
    if plan is None or (plan.status == "draft" and not _sees_drafts(caller)):
        raise PlanNotFound(
            f"No plan has id {plan_id}.",
            vi=f"Không có kế hoạch nào có mã định danh {plan_id}.",
        )
    return plan


async def plan_read(session: AsyncSession, *, plan: Plan, caller: Identity) -> PlanRead:
    """Return the plan as the caller sees it: a unit role sees only the targets in its scope."""
    targets = (await plan_targets(session, [plan.id]))[plan.id]
    scope = await _caller_scope(session, caller)
    return _as_read(plan, targets, scope)


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
        rows = (await plan_targets(session, [plan.id]))[plan.id]
    plan.updated_at = utcnow()
    return _as_read(plan, rows)


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
    rows = (await plan_targets(session, [plan.id]))[plan.id]
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
    outbox.add(
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
    return _as_read(plan, rows)


async def close_plan(session: AsyncSession, *, plan: Plan, actor: str) -> PlanRead:
    """Close an approved plan; inspections still scheduled under it are cancelled."""
    if plan.status != "approved":
        raise InvalidTransition(
            f"Plan {plan.number!r} is {plan.status}; only an approved plan closes.",
            vi=f"Kế hoạch {plan.number!r} đang ở trạng thái {STATUS_VI[plan.status]};"
            " chỉ kết thúc được"
            " kế hoạch đã phê duyệt.",
        )
    now = utcnow()
    await inspection_service.cancel_scheduled(
        session, plan=plan, reason=CLOSING_REASON, actor=actor, now=now
    )
    plan.status, plan.closed_by, plan.closed_at, plan.updated_at = "closed", actor, now, now
    outbox.add(
        session, PlanClosed(plan_id=plan.id, number=plan.number, closed_by=actor, closed_at=now)
    )
    return _as_read(plan, (await plan_targets(session, [plan.id]))[plan.id])


class PlanSort(SortKey):
    """How the plan list may be sorted: `field` ascending, `-field` descending."""

    NUMBER = "number", Plan.number
    NUMBER_DESC = "-number", Plan.number
    YEAR = "year", Plan.year
    YEAR_DESC = "-year", Plan.year
    CREATED_AT = "created_at", Plan.created_at
    CREATED_AT_DESC = "-created_at", Plan.created_at


async def list_plans(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    year: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    target_unit_id: uuid.UUID | None = None,
    sort: PlanSort | None = None,
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
    plans, next_cursor = await page_by_id(
        session, query, id_column=Plan.id, limit=limit, cursor=cursor, sort=sort
    )
    targets = await plan_targets(session, [p.id for p in plans])
    return [_as_read(p, targets[p.id], scope) for p in plans], next_cursor
