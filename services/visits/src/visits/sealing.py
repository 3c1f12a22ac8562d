"""The digest a visit's record is sealed under: SHA-256 over its canonical JSON.

The canonical document holds the visit, its attendance, results and violations (the people
they name included), each list sorted by id, and the SHA-256 of each evidence file attached
to the visit; keys sorted, no spaces, UTF-8, times in UTC. The visit's own `version` and
`updated_at` are left out: they move with amendments, which never change the sealed record
but chain to its digest (`amendment_digest`).
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, PlainSerializer
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from visits.attendance.service import records_of
from visits.evidence.models import Evidence
from visits.models import Visit
from visits.results.service import results_of
from visits.violations.service import people_of, violations_of

FORMAT = "vn.congvu.visit-record.v1"
AMENDMENT_FORMAT = "vn.congvu.visit-amendment.v1"


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcTime = Annotated[AwareDatetime, PlainSerializer(_utc, return_type=str)]


class SealedNoAccess(BaseModel):
    """Why the team could not inspect."""

    reason: str
    at: UtcTime
    note: str | None


class SealedVisit(BaseModel):
    """The visit as sealed."""

    id: uuid.UUID
    unit_id: uuid.UUID
    inspection_id: uuid.UUID | None
    team_id: uuid.UUID | None
    surprise: bool
    started_at: UtcTime
    started_by: str | None
    justification: str | None
    note: str | None
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    checklist_id: uuid.UUID | None
    checklist_version: int | None
    status: str
    no_access: SealedNoAccess | None
    submitted_by: str | None
    submitted_at: UtcTime | None
    created_at: UtcTime


class SealedAttendance(BaseModel):
    """An office's attendance as sealed."""

    id: uuid.UUID
    version: int
    office_name: str
    office_unit_id: uuid.UUID | None
    observed_at: UtcTime | None
    headcounts: dict[str, Any]
    recorded_by: str
    recorded_at: UtcTime
    updated_at: UtcTime


class SealedResult(BaseModel):
    """A criterion's result as sealed."""

    id: uuid.UUID
    version: int
    criterion_code: str
    outcome: str
    note: str | None
    recorded_by: str
    recorded_at: UtcTime
    updated_at: UtcTime


class SealedPerson(BaseModel):
    """The person a violation names."""

    full_name: str
    position: str | None


class SealedViolation(BaseModel):
    """A violation as sealed."""

    id: uuid.UUID
    version: int
    category_code: str
    criterion_code: str | None
    severity: str
    unit_id: uuid.UUID
    description: str
    observed_at: UtcTime | None
    person: SealedPerson | None
    repeat_of: list[str]
    recorded_by: str
    recorded_at: UtcTime
    updated_at: UtcTime


class SealedRecord(BaseModel):
    """Everything a visit's digest covers, except the evidence hashes `record_digest` adds."""

    visit: SealedVisit
    attendance: list[SealedAttendance]
    results: list[SealedResult]
    violations: list[SealedViolation]


def canonical_json(document: Any) -> bytes:
    """Return `document` as canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


async def evidence_hashes(session: AsyncSession, visit: Visit) -> list[str]:
    """Return the SHA-256 (hex) of each evidence file attached to the visit, sorted."""
    found = await session.scalars(
        select(Evidence.sha256).where(col(Evidence.visit_id) == visit.id).order_by(Evidence.sha256)
    )
    return list(found)


def record_digest(record: SealedRecord, evidence_sha256s: Sequence[str]) -> str:
    """Return the SHA-256 (hex) of the record and the evidence files' hashes, canonically."""
    document = {
        "format": FORMAT,
        **record.model_dump(mode="json"),
        "evidence": sorted(evidence_sha256s),
    }
    return hashlib.sha256(canonical_json(document)).hexdigest()


async def sealed_record(session: AsyncSession, visit: Visit) -> SealedRecord:
    """Return the visit's record as its digest covers it, each list in id order."""
    violations = await violations_of(session, visit)
    people = await people_of(session, violations)
    no_access = None
    if visit.no_access_reason is not None and visit.no_access_at is not None:
        no_access = SealedNoAccess(
            reason=visit.no_access_reason, at=visit.no_access_at, note=visit.no_access_note
        )
    return SealedRecord(
        visit=SealedVisit.model_validate(
            {**visit.model_dump(exclude={"version", "updated_at"}), "no_access": no_access}
        ),
        attendance=[
            SealedAttendance.model_validate(row.model_dump())
            for row in await records_of(session, visit)
        ],
        results=[
            SealedResult.model_validate(row.model_dump())
            for row in await results_of(session, visit)
        ],
        violations=[
            SealedViolation.model_validate(
                {
                    **row.model_dump(),
                    "person": (
                        SealedPerson(full_name=person.full_name, position=person.position)
                        if (person := people.get(row.id)) is not None
                        else None
                    ),
                }
            )
            for row in violations
        ],
    )


async def digest_of(session: AsyncSession, visit: Visit) -> str:
    """Return the digest of the visit's record as it stands, evidence included."""
    record = await sealed_record(session, visit)
    return record_digest(record, await evidence_hashes(session, visit))


def amendment_digest(previous: str, amendment: dict[str, Any]) -> str:
    """Return the SHA-256 chaining an amendment to the digest before it."""
    document = {"format": AMENDMENT_FORMAT, "previous": previous, "amendment": amendment}
    return hashlib.sha256(canonical_json(document)).hexdigest()
