"""Offline sync: a device's records of one visit applied in order, each on its own.

Each record goes through the same service function as its own route, inside a savepoint of
the request's transaction: a record refused (a conflict, or data that does not fit) rolls
back alone and is reported, while the records before and after it apply. Versions make a
replay harmless: what is already stored answers `unchanged`.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from servicekit.access import Identity
from servicekit.errors import DomainError, Invalid
from servicekit.languages import Language
from visits import service
from visits.attendance import service as attendance
from visits.errors import RecordVersionConflict, VisitSealed
from visits.evidence.models import Evidence
from visits.models import AttendanceRecord, ChecklistResult, Violation, Visit
from visits.offline.schemas import (
    AttendanceSync,
    EvidenceHeld,
    Outcome,
    RecordKind,
    SyncEntry,
    SyncRead,
    ViolationSync,
    VisitSync,
)
from visits.results import service as results
from visits.results.schemas import ResultsWrite, ResultWrite
from visits.violations import service as violations
from visits.violations.schemas import ViolationWrite

# Refusals that are a disagreement with what is stored; any other refusal is of the data.
CONFLICTS = (RecordVersionConflict, VisitSealed)
Loc = Sequence[str | int]


def _moved(loc: Loc, old: Loc, new: Loc) -> list[str | int]:
    """Return `loc` with its part matching the start of `old` replaced by `new`."""
    shared = 0
    while shared < min(len(loc), len(old)) and loc[shared] == old[shared]:
        shared += 1
    return [*new, *loc[shared:]]


def _outcome(before: int | None, after: int) -> Outcome:
    if before is None:
        return "created"
    return "unchanged" if before == after else "updated"


class _Record:
    """One record of the sync: where it sits in the body, and what the server holds of it."""

    def __init__(
        self, kind: RecordKind, record_id: uuid.UUID, sent: BaseModel, at: Loc, old: Loc
    ) -> None:
        self.kind, self.id, self.sent = kind, record_id, sent
        self.at, self.old = at, old

    def applied(self, before: int | None, after: int) -> SyncEntry:
        return SyncEntry(kind=self.kind, id=self.id, outcome=_outcome(before, after), version=after)

    def refused(
        self,
        error: DomainError,
        *,
        visit: Visit,
        stored: dict[str, Any] | None,
        version: int | None,
        language: Language,
    ) -> SyncEntry:
        """Return the entry of a record the service refused: a conflict, or rejected data."""
        conflict = isinstance(error, CONFLICTS)
        errors = [
            e.rendered(language).model_copy(update={"loc": _moved(e.loc, self.old, self.at)})
            for e in error.errors or []
        ]
        sealed = isinstance(error, VisitSealed)
        return SyncEntry(
            kind=self.kind,
            id=self.id,
            outcome="conflict" if conflict else "rejected",
            version=version,
            detail=error.vi if language is Language.VI and error.vi else error.detail,
            errors=errors or None,
            server=stored if conflict else None,
            client=self.sent.model_dump(mode="json") if conflict else None,
            amendments=f"/api/v1/visits/visits/{visit.id}/amendments" if sealed else None,
        )


async def _visit(
    session: AsyncSession, *, visit_id: uuid.UUID, data: VisitSync, caller: Identity
) -> tuple[Visit, SyncEntry | None]:
    """Return the visit to record on, starting it first if the device sent its start."""
    if data.visit is None:
        return await service.visit_to_record(session, visit_id=visit_id, caller=caller), None
    if data.visit.id not in (None, visit_id):
        raise Invalid.field(
            ["body", "visit", "id"],
            "The visit's id is the one in the path.",
            vi="Mã định danh cuộc kiểm tra phải trùng mã trên đường dẫn.",
        )
    start = data.visit.model_copy(update={"id": visit_id})
    existing = await service.find_started(session, data=start, caller=caller)
    if existing is None:
        await service.start_visit(session, data=start, caller=caller)
        await session.flush()
    visit = await service.visit_to_record(session, visit_id=visit_id, caller=caller)
    outcome: Outcome = "unchanged" if existing is not None else "created"
    return visit, SyncEntry(kind="visit", id=visit_id, outcome=outcome)


async def _attendance(
    session: AsyncSession,
    *,
    visit: Visit,
    item: AttendanceSync,
    index: int,
    caller: Identity,
    language: Language,
) -> SyncEntry:
    record = _Record("attendance", item.id, item, ["body", "attendance", index], ["body"])
    current: AttendanceRecord | None = None
    try:
        current = await attendance.get_record(session, visit=visit, record_id=item.id)
        before = current.version if current is not None else None
        async with session.begin_nested():
            stored = await attendance.put_record(
                session, visit=visit, current=current, record_id=item.id, data=item, caller=caller
            )
    except DomainError as error:
        read = attendance.attendance_read(current, show_recorders=True) if current else None
        return record.refused(
            error,
            visit=visit,
            stored=read.model_dump(mode="json") if read else None,
            version=current.version if current else None,
            language=language,
        )
    return record.applied(before, stored.version)


async def _result(
    session: AsyncSession,
    *,
    visit: Visit,
    item: ResultWrite,
    index: int,
    held: dict[uuid.UUID, ChecklistResult],
    caller: Identity,
    language: Language,
) -> SyncEntry:
    record = _Record("result", item.id, item, ["body", "results", index], ["body", "items", 0])
    current = held.get(item.id)
    before = current.version if current is not None else None
    try:
        async with session.begin_nested():
            rows = await results.put_results(
                session, visit=visit, data=ResultsWrite(items=[item]), caller=caller
            )
    except DomainError as error:
        return record.refused(
            error,
            visit=visit,
            stored=current.model_dump(mode="json", exclude={"visit_id"}) if current else None,
            version=before,
            language=language,
        )
    held.update((row.id, row) for row in rows)
    return record.applied(before, held[item.id].version)


async def _violation(
    session: AsyncSession,
    *,
    visit: Visit,
    item: ViolationSync,
    index: int,
    caller: Identity,
    language: Language,
) -> SyncEntry:
    record = _Record("violation", item.id, item, ["body", "violations", index], ["body"])
    current: Violation | None = None
    try:
        current = await violations.get_violation(session, visit=visit, violation_id=item.id)
        before = current.version if current is not None else None
        data = ViolationWrite.model_validate(item.model_dump(exclude={"id"}))
        async with session.begin_nested():
            stored = await violations.put_violation(
                session,
                visit=visit,
                current=current,
                violation_id=item.id,
                data=data,
                caller=caller,
            )
    except DomainError as error:
        read = None
        if current is not None:
            # The team recording the visit reads whom its violations name.
            person = await violations.person_of(session, current)
            read = violations.violation_read(current, person, show_recorders=True)
        return record.refused(
            error,
            visit=visit,
            stored=read.model_dump(mode="json") if read else None,
            version=current.version if current else None,
            language=language,
        )
    return record.applied(before, stored.version)


async def evidence_held(
    session: AsyncSession, *, visit: Visit, hashes: Sequence[str]
) -> EvidenceHeld:
    """Return which of the files a device holds the visit already has, and which to upload."""
    wanted = list(dict.fromkeys(hashes))
    found: set[str] = set()
    if wanted:
        rows = await session.scalars(
            select(Evidence.sha256).where(
                col(Evidence.visit_id) == visit.id, col(Evidence.sha256).in_(wanted)
            )
        )
        found = set(rows.all())
    return EvidenceHeld(
        held=[h for h in wanted if h in found], to_upload=[h for h in wanted if h not in found]
    )


async def sync_visit(
    session: AsyncSession,
    *,
    visit_id: uuid.UUID,
    data: VisitSync,
    caller: Identity,
    language: Language,
) -> SyncRead:
    """Apply a device's records of a visit: the visit, attendance, results, then violations."""
    visit, started = await _visit(session, visit_id=visit_id, data=data, caller=caller)
    entries = [started] if started is not None else []
    for index, item in enumerate(data.attendance):
        entries.append(
            await _attendance(
                session, visit=visit, item=item, index=index, caller=caller, language=language
            )
        )
    held = {row.id: row for row in await results.results_of(session, visit)}
    for index, result in enumerate(data.results):
        entries.append(
            await _result(
                session,
                visit=visit,
                item=result,
                index=index,
                held=held,
                caller=caller,
                language=language,
            )
        )
    for index, violation in enumerate(data.violations):
        entries.append(
            await _violation(
                session, visit=visit, item=violation, index=index, caller=caller, language=language
            )
        )
    await session.flush()
    if started is not None:
        started.version = visit.version
    return SyncRead(
        visit_id=visit.id,
        status=visit.status,
        records=entries,
        conflicts=sum(entry.outcome == "conflict" for entry in entries),
        rejected=sum(entry.outcome == "rejected" for entry in entries),
        evidence=await evidence_held(session, visit=visit, hashes=data.evidence),
    )
