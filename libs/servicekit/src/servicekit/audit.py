"""The audit trail: who did what, recorded by the service that owns the data.

A write is recorded in the same transaction as its effect, so no change goes unrecorded;
a refused or failed attempt is recorded in a transaction of its own. Reads are recorded
for operations whose POLICY entry says they touch sealed or personal data.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from uuid6 import uuid7

from servicekit.access import Identity, find_operation
from servicekit.errors import DomainError
from servicekit.requestid import current_request_id
from servicekit.times import utcnow


@dataclass(frozen=True)
class AuditRecord:
    """One audited action."""

    entry_id: uuid.UUID
    service: str
    operation: str
    actor: str
    role: str | None
    unit_code: str | None
    client_id: str | None
    resource: str
    request_id: str | None
    outcome: str
    status: int | None
    at: datetime


# Stages a record in the session's transaction (the event bus writes it to the outbox).
AuditSink = Callable[[AsyncSession, AuditRecord], None]


def set_resource(request: Request, resource: str) -> None:
    """Name the resource an action created, for its audit record."""
    request.state.audit_resource = resource


def status_of(error: BaseException) -> int:
    """Return the HTTP status an error is answered with."""
    if isinstance(error, DomainError):
        return error.status_code
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, RequestValidationError):
        return 422
    return 500


def record_for(request: Request, *, error: BaseException | None) -> AuditRecord | None:
    """Return the audit record of this request, or None if its operation is not audited."""
    found = find_operation(request.method, request.url.path)
    if found is None or not found[1].audited:
        return None
    name, _ = found
    caller: Identity | None = getattr(request.state, "caller", None)
    status = None if error is None else status_of(error)
    outcome = "succeeded" if status is None else ("refused" if status < 500 else "failed")
    return AuditRecord(
        entry_id=uuid7(),
        service=request.app.state.settings.service_name,
        operation=name,
        actor=caller.subject if caller else "unverified",
        role=caller.role.value if caller else None,
        unit_code=caller.unit_code if caller else None,
        client_id=caller.client_id if caller else None,
        resource=getattr(request.state, "audit_resource", request.url.path),
        request_id=current_request_id.get(),
        outcome=outcome,
        status=status,
        at=utcnow(),
    )
