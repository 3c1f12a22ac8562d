"""Domain logic of a visit's lifecycle: started, recorded, then submitted or found no access."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select
from uuid6 import uuid7

from contracts.visits import VisitNoAccessRecorded, VisitStarted, VisitSubmitted
from eventbus.directory import reaches
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import Page, SortKey, page_by_id
from servicekit.times import utcnow
from visits.auth import RECORDERS
from visits.errors import InvalidTransition, NotOnTeam, VisitIdReused, VisitNotFound
from visits.events import publish
from visits.models import DirectoryInspection, DirectoryTeam, Violation, Visit
from visits.planning import checklist_version, is_member
from visits.results.service import criteria_of, results_of, score_of
from visits.schemas import STATUS_VI, NoAccessFields, VisitCreate, VisitSummary
from visits.scope import at_or_beneath, visible
from visits.sealing import digest_of
from visits.sync import refuse_sealed
from visits.violations.service import refresh_repeats

NOT_ON_TEAM = "Only members of the team carrying out this visit record it."
NOT_ON_TEAM_VI = "Chỉ thành viên đoàn thực hiện cuộc kiểm tra này mới được ghi nhận."


async def _check_unit(session: AsyncSession, unit_id: uuid.UUID, caller: Identity) -> None:
    """Refuse a unit the registry has not announced, or one outside the caller's province."""
    if not await reaches(session, caller, unit_id):
        raise Invalid.field(
            ["body", "unit_id"],
            "No registered unit has this id.",
            vi="Không có đơn vị nào trong danh mục có mã định danh này.",
        )


def _same_start(visit: Visit, data: VisitCreate) -> bool:
    location = data.location
    return (
        visit.unit_id == data.unit_id
        and visit.started_at == data.started_at
        and (data.surprise is None or visit.surprise == data.surprise)
        and visit.note == data.note
        and visit.inspection_id == data.inspection_id
        and visit.justification == data.justification
        and (data.team_id is None or visit.team_id == data.team_id)
        and (data.checklist_id is None or visit.checklist_id == data.checklist_id)
        and (data.checklist_version is None or visit.checklist_version == data.checklist_version)
        and (visit.latitude, visit.longitude, visit.accuracy_m)
        == (
            (location.latitude, location.longitude, location.accuracy_m)
            if location
            else (None, None, None)
        )
    )


async def find_started(
    session: AsyncSession, *, data: VisitCreate, caller: Identity
) -> Visit | None:
    """Return the visit this start already recorded (an offline resend), if there is one."""
    if data.id is None:
        return None
    existing = await session.get(Visit, data.id)
    if existing is None:
        return None
    mine = await session.scalar(select(Visit.id).where(col(Visit.id) == data.id, visible(caller)))
    if mine is None or not _same_start(existing, data):
        raise VisitIdReused(
            f"Visit {data.id} already exists with different content.",
            vi=f"Đã có cuộc kiểm tra tại đơn vị mang mã {data.id} với nội dung khác.",
        )
    return existing


def _unknown_inspection() -> Invalid:
    return Invalid.field(
        ["body", "inspection_id"],
        "No inspection known to the visits service has this id (a newly scheduled one takes"
        " a moment to arrive).",
        vi="Dịch vụ kiểm tra tại đơn vị chưa biết cuộc kiểm tra nào có mã định danh này (cuộc"
        " kiểm tra vừa lên lịch cần ít phút để được cập nhật).",
    )


async def _inspection_start(
    session: AsyncSession, data: VisitCreate, caller: Identity
) -> DirectoryInspection:
    """Return the inspection the visit carries out, refusing a start it does not allow."""
    assert data.inspection_id is not None
    inspection = await session.get(DirectoryInspection, data.inspection_id)
    if inspection is None or await session.get(DirectoryTeam, inspection.team_id) is None:
        raise _unknown_inspection()
    if not await is_member(session, team_id=inspection.team_id, subject=caller.subject):
        # A sealed inspection is nobody else's to know of: it answers as an unknown one.
        if inspection.sealed:
            raise _unknown_inspection()
        raise NotOnTeam(NOT_ON_TEAM, vi=NOT_ON_TEAM_VI)
    if inspection.status == "cancelled":
        raise InvalidTransition(
            "The inspection was cancelled: it takes no visit.",
            vi="Cuộc kiểm tra đã bị hủy, không thể bắt đầu làm việc.",
        )
    pinned = (inspection.checklist_id, inspection.checklist_version)
    for field, given, expected, vi in (
        ("team_id", data.team_id, inspection.team_id, "đoàn"),
        ("checklist_id", data.checklist_id, pinned[0], "bộ tiêu chí"),
        ("checklist_version", data.checklist_version, pinned[1], "phiên bản bộ tiêu chí"),
    ):
        if given is not None and given != expected:
            raise Invalid.field(
                ["body", field],
                f"The inspection's {field} is {expected}; leave it out to use it.",
                vi=f"Cuộc kiểm tra đã định {vi} là {expected}; bỏ trường này để dùng giá trị đó.",
            )
    if data.surprise is not None and data.surprise != (inspection.kind == "surprise"):
        raise Invalid.field(
            ["body", "surprise"],
            f"The inspection is {inspection.kind}: surprise is {inspection.kind == 'surprise'}.",
            vi="Giá trị surprise phải khớp loại của cuộc kiểm tra đã lên lịch.",
        )
    # A sealed inspection's target is not known here: the plans service checks it instead.
    if inspection.target_unit_id is not None and not await at_or_beneath(
        session, unit_id=data.unit_id, root_id=inspection.target_unit_id
    ):
        raise Invalid.field(
            ["body", "unit_id"],
            "The unit is not the inspection's target or a unit beneath it.",
            vi="Đơn vị không phải đối tượng của cuộc kiểm tra hay đơn vị cấp dưới của nó.",
        )
    return inspection


async def _check_ad_hoc(session: AsyncSession, data: VisitCreate, caller: Identity) -> None:
    """Refuse an ad hoc visit without justification, or naming a team or checklist it cannot."""
    if data.justification is None:
        raise Invalid.field(
            ["body", "justification"],
            "A visit outside any scheduled inspection states its justification.",
            vi="Cuộc kiểm tra không theo lịch phải nêu căn cứ, lý do kiểm tra.",
        )
    if data.team_id is not None and not await is_member(
        session, team_id=data.team_id, subject=caller.subject
    ):
        raise Invalid.field(
            ["body", "team_id"],
            "You are not on a team with this id.",
            vi="Bạn không phải thành viên của đoàn kiểm tra có mã định danh này.",
        )
    if (data.checklist_id is None) != (data.checklist_version is None):
        missing = "checklist_version" if data.checklist_version is None else "checklist_id"
        raise Invalid.field(
            ["body", missing],
            "A checklist is named with its version.",
            vi="Bộ tiêu chí phải được nêu cùng phiên bản.",
        )
    if data.checklist_id is not None and (
        await checklist_version(session, data.checklist_id, data.checklist_version) is None
    ):
        raise Invalid.field(
            ["body", "checklist_version"],
            "No published checklist version known here has this id and version.",
            vi="Không có phiên bản bộ tiêu chí nào đã ban hành có mã định danh và số này.",
        )


async def start_visit(session: AsyncSession, *, data: VisitCreate, caller: Identity) -> Visit:
    """Record that a visit started; a surprise inspection's visit unseals it (plans decides)."""
    await _check_unit(session, data.unit_id, caller)
    team_id: uuid.UUID | None
    if data.inspection_id is not None:
        inspection = await _inspection_start(session, data, caller)
        team_id, checklist_id, version = (
            inspection.team_id,
            inspection.checklist_id,
            inspection.checklist_version,
        )
        surprise = inspection.kind == "surprise"
    else:
        await _check_ad_hoc(session, data, caller)
        team_id, checklist_id, version = data.team_id, data.checklist_id, data.checklist_version
        surprise = bool(data.surprise)
    location = data.location
    visit = Visit(
        id=data.id or uuid7(),
        unit_id=data.unit_id,
        started_at=data.started_at,
        surprise=surprise,
        note=data.note,
        inspection_id=data.inspection_id,
        team_id=team_id,
        started_by=caller.subject,
        justification=data.justification,
        checklist_id=checklist_id,
        checklist_version=version,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        accuracy_m=location.accuracy_m if location else None,
        created_at=utcnow(),
    )
    session.add(visit)
    publish(
        session,
        VisitStarted(
            visit_id=visit.id,
            unit_id=visit.unit_id,
            started_at=visit.started_at,
            surprise=visit.surprise,
            inspection_id=visit.inspection_id,
            started_by=caller.subject,
            team_id=visit.team_id,
        ),
    )
    return visit


async def get_visit(session: AsyncSession, *, visit_id: uuid.UUID, caller: Identity) -> Visit:
    """Return one visit the caller may see; any other is not found, whether or not it exists."""
    visit = await session.scalar(select(Visit).where(col(Visit.id) == visit_id, visible(caller)))
    if visit is None:
        raise VisitNotFound(
            f"No visit has id {visit_id}.",
            vi=f"Không có cuộc kiểm tra tại đơn vị nào có mã định danh {visit_id}.",
        )
    return visit


async def is_recorder(session: AsyncSession, visit: Visit, caller: Identity) -> bool:
    """Tell whether the caller is on the team recording the visit (its starter, if ad hoc)."""
    if caller.role not in RECORDERS:
        return False
    if visit.team_id is None:
        return visit.started_by == caller.subject
    return await is_member(session, team_id=visit.team_id, subject=caller.subject)


async def visit_to_record(session: AsyncSession, *, visit_id: uuid.UUID, caller: Identity) -> Visit:
    """Return a visit the caller may record on: one they see, of their team."""
    visit = await get_visit(session, visit_id=visit_id, caller=caller)
    if not await is_recorder(session, visit, caller):
        raise NotOnTeam(NOT_ON_TEAM, vi=NOT_ON_TEAM_VI)
    return visit


async def record_no_access(
    session: AsyncSession, *, visit: Visit, data: NoAccessFields, caller: Identity
) -> Visit:
    """End the visit without access to the unit, with the reason, and seal its record."""
    refuse_sealed(visit)
    if visit.status != "started":
        raise InvalidTransition(
            f"The visit is {visit.status}: the team recorded what it found, so it had access.",
            vi=f"Cuộc kiểm tra đang ở trạng thái {STATUS_VI[visit.status]}: đoàn đã ghi nhận"
            " kết quả, tức là đã tiếp cận được đơn vị.",
        )
    if data.at < visit.started_at:
        raise Invalid.field(
            ["body", "at"],
            "No access is found after the visit started.",
            vi="Thời điểm không tiếp cận được phải sau thời điểm bắt đầu.",
        )
    now = utcnow()
    visit.status, visit.updated_at = "no_access", now
    visit.no_access_reason, visit.no_access_at, visit.no_access_note = (
        data.reason,
        data.at,
        data.note,
    )
    visit.submitted_by, visit.submitted_at = caller.subject, now
    visit.digest = await digest_of(session, visit)
    publish(
        session,
        VisitNoAccessRecorded(
            visit_id=visit.id,
            unit_id=visit.unit_id,
            inspection_id=visit.inspection_id,
            reason=data.reason,
            at=data.at,
            recorded_by=caller.subject,
            digest=visit.digest,
        ),
    )
    return visit


async def submit(session: AsyncSession, *, visit: Visit, caller: Identity) -> Visit:
    """Submit the visit's record and seal it under its digest; it changes only by amendment."""
    refuse_sealed(visit)
    await refresh_repeats(session, visit)
    now = utcnow()
    visit.status, visit.submitted_by, visit.submitted_at, visit.updated_at = (
        "submitted",
        caller.subject,
        now,
        now,
    )
    visit.digest = await digest_of(session, visit)
    checklist = await checklist_version(session, visit.checklist_id, visit.checklist_version)
    score = score_of(await results_of(session, visit), criteria_of(checklist) if checklist else {})
    violations = await session.scalar(
        select(func.count()).select_from(Violation).where(col(Violation.visit_id) == visit.id)
    )
    publish(
        session,
        VisitSubmitted(
            visit_id=visit.id,
            unit_id=visit.unit_id,
            inspection_id=visit.inspection_id,
            submitted_by=caller.subject,
            submitted_at=now,
            digest=visit.digest,
            points=score.points,
            possible=score.possible,
            violations=violations or 0,
        ),
    )
    return visit


class VisitSort(SortKey):
    """How the visit list may be sorted: `field` ascending, `-field` descending."""

    STARTED_AT = "started_at", Visit.started_at
    STARTED_AT_DESC = "-started_at", Visit.started_at
    CREATED_AT = "created_at", Visit.created_at
    CREATED_AT_DESC = "-created_at", Visit.created_at


def visit_summary(visit: Visit) -> VisitSummary:
    """Return the visit as lists show it."""
    return VisitSummary.model_validate(visit, from_attributes=True)


async def list_visits(
    session: AsyncSession,
    *,
    caller: Identity,
    limit: int,
    cursor: str | None,
    inspection_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
    status: str | None = None,
    sort: VisitSort | None = None,
) -> Page[VisitSummary]:
    """Return a page of the visits the caller may see."""
    query = select(Visit).where(visible(caller))
    for column, value in (
        (Visit.inspection_id, inspection_id),
        (Visit.unit_id, unit_id),
        (Visit.status, status),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    visits, next_cursor = await page_by_id(
        session, query, id_column=Visit.id, limit=limit, cursor=cursor, sort=sort
    )
    return Page[VisitSummary](items=[visit_summary(v) for v in visits], next_cursor=next_cursor)
