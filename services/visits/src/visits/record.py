"""The visit record as readers see it: the visit and everything recorded on it.

Whom violations name shows only to the inspectorate and the visit's own team; who on the
team recorded what is hidden from the inspected unit's people.
"""

import uuid

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.access import Identity
from visits.amendments.schemas import AMENDMENT_READ, AmendmentRead
from visits.amendments.service import amendments_read
from visits.attendance.schemas import ATTENDANCE_OVERVIEW, AttendanceOverview
from visits.attendance.service import overview
from visits.models import Visit
from visits.results.schemas import RESULTS_READ, ResultsRead
from visits.results.service import results_read
from visits.schemas import VISIT_SUMMARY, Location, NoAccessRead, VisitSummary
from visits.scope import sees_people, sees_recorders
from visits.service import is_recorder
from visits.violations.schemas import VIOLATION_READ, ViolationRead
from visits.violations.service import violations_read

VISIT_READ: JsonDict = {
    **VISIT_SUMMARY,
    "started_by": "nguyen.van.an",
    "justification": None,
    "note": "Kiểm tra đột xuất 9 phòng chuyên môn",
    "location": {"latitude": 19.4152, "longitude": 104.2189, "accuracy_m": 12.5},
    "checklist_id": "0193a5d2-0000-7000-8000-00000000c001",
    "checklist_version": 1,
    "no_access": None,
    "submitted_by": "nguyen.van.an",
    "attendance": ATTENDANCE_OVERVIEW,
    "results": RESULTS_READ,
    "violations": [VIOLATION_READ],
    "amendments": [AMENDMENT_READ],
}


class VisitRead(VisitSummary):
    """A visit's whole record: the visit, attendance, results and score, violations, amendments."""

    model_config = ConfigDict(json_schema_extra={"examples": [VISIT_READ]})

    started_by: str | None = Field(description="Người bắt đầu (ẩn với đơn vị được kiểm tra)")
    justification: str | None = Field(description="Căn cứ, lý do (kiểm tra không theo lịch)")
    note: str | None
    location: Location | None
    checklist_id: uuid.UUID | None
    checklist_version: int | None
    no_access: NoAccessRead | None = Field(description="Lý do không tiếp cận được đơn vị")
    submitted_by: str | None = Field(description="Người nộp (ẩn với đơn vị được kiểm tra)")
    attendance: AttendanceOverview
    results: ResultsRead
    violations: list[ViolationRead]
    amendments: list[AmendmentRead] = Field(
        description="Đính chính sau khi niêm phong, cũ trước mới sau; biên bản gốc giữ nguyên"
    )


async def visit_read(session: AsyncSession, *, visit: Visit, caller: Identity) -> VisitRead:
    """Return the visit's whole record as the caller may see it."""
    show_people = sees_people(caller, on_team=await is_recorder(session, visit, caller))
    show_recorders = sees_recorders(caller)
    location = None
    if visit.latitude is not None and visit.longitude is not None:
        location = Location(
            latitude=visit.latitude, longitude=visit.longitude, accuracy_m=visit.accuracy_m
        )
    no_access = None
    if visit.no_access_reason is not None and visit.no_access_at is not None:
        no_access = NoAccessRead.model_validate(
            {
                "reason": visit.no_access_reason,
                "at": visit.no_access_at,
                "note": visit.no_access_note,
            }
        )
    return VisitRead.model_validate(
        {
            **visit.model_dump(),
            "started_by": visit.started_by if show_recorders else None,
            "submitted_by": visit.submitted_by if show_recorders else None,
            "location": location,
            "no_access": no_access,
            "attendance": await overview(session, visit=visit, show_recorders=show_recorders),
            "results": await results_read(session, visit=visit, show_recorders=show_recorders),
            "violations": await violations_read(
                session, visit=visit, show_people=show_people, show_recorders=show_recorders
            ),
            "amendments": await amendments_read(
                session, visit=visit, show_people=show_people, show_recorders=show_recorders
            ),
        }
    )
