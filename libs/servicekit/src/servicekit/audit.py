"""The audit trail: who did what, recorded by the service that owns the data.

A write is recorded in the same transaction as its effect, so no change goes unrecorded;
a refused or failed attempt is recorded in a transaction of its own. Reads are recorded
for operations whose route says they touch sealed or personal data (`allow(...,
personal_data=True)`). An attempt the gateway refuses itself (a role the policy does not
allow) never reaches the service: the gateway reports it to `POST /internal/refusals`,
signed like any forwarded caller, and the service records it the same way. The record is
the contract's `AuditRecorded` event itself.
"""

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from uuid6 import uuid7

from contracts.audit import AuditRecorded
from servicekit.access import Identity, Policy, caller_of
from servicekit.errors import DomainError, Invalid
from servicekit.requestid import current_request_id
from servicekit.times import utcnow

Outcome = Literal["succeeded", "refused", "failed"]

# Stages a record in the session's transaction (the event bus writes it to the outbox).
AuditSink = Callable[[AsyncSession, AuditRecorded], None]


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


def record_for(request: Request, *, error: BaseException | None) -> AuditRecorded | None:
    """Return the audit record of this request, or None if its operation is not audited."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    policy: Policy = request.app.state.policy
    operation = None if template is None else policy.at_route(request.method, template)
    if operation is None or not operation.audited:
        return None
    caller: Identity | None = getattr(request.state, "caller", None)
    status = None if error is None else status_of(error)
    outcome: Outcome = "succeeded" if status is None else ("refused" if status < 500 else "failed")
    return AuditRecorded(
        entry_id=uuid7(),
        service=request.app.state.settings.service_name,
        operation=operation.name,
        actor=caller.subject if caller else "unverified",
        role=caller.role.value if caller else None,
        unit_code=caller.unit_code if caller else None,
        client_id=caller.client_id if caller else None,
        resource=bounded_resource(getattr(request.state, "audit_resource", request.url.path)),
        request_id=current_request_id.get(),
        outcome=outcome,
        status=status,
        at=utcnow(),
    )


REFUSALS_PATH = "/internal/refusals"
# The audit trail keeps resources up to this length (reporting's column); longer ones are cut.
RESOURCE_MAX_LENGTH = 500
TRUNCATED_MARK = "…[truncated]"
MAX_REFUSAL_COUNT = 1_000_000


def bounded_resource(resource: str) -> str:
    """Return `resource`, or its start and TRUNCATED_MARK if it is over RESOURCE_MAX_LENGTH."""
    if len(resource) <= RESOURCE_MAX_LENGTH:
        return resource
    return resource[: RESOURCE_MAX_LENGTH - len(TRUNCATED_MARK)] + TRUNCATED_MARK


class Refusal(BaseModel):
    """Attempts the gateway refused before they reached the service."""

    operation: str = Field(max_length=100, description="The operation's name (its operationId).")
    resource: str = Field(
        max_length=RESOURCE_MAX_LENGTH,
        description="The path the caller asked for, cut by bounded_resource() if longer.",
    )
    status: int = Field(ge=400, le=499)
    count: int = Field(
        default=1,
        ge=1,
        le=MAX_REFUSAL_COUNT,
        description="How many such attempts of this caller this report stands for.",
    )


refusals_router = APIRouter(include_in_schema=False)


@refusals_router.post(REFUSALS_PATH, status_code=204)
async def record_refusal(request: Request, refusal: Refusal) -> Response:
    """Record, for the audit trail, an attempt the gateway refused on this service's behalf."""
    caller = await caller_of(request)
    policy: Policy = request.app.state.policy
    operation = policy.named(refusal.operation)
    service = request.app.state.settings.service_name
    if operation is None:
        raise Invalid.field(
            ["body", "operation"],
            "Not an operation of this service.",
            vi="Không phải thao tác của dịch vụ này.",
        )
    sink: AuditSink | None = request.app.state.audit_sink
    if sink is not None and operation.audited:
        async with request.app.state.sessionmaker() as session, session.begin():
            sink(
                session,
                AuditRecorded(
                    entry_id=uuid7(),
                    service=service,
                    operation=refusal.operation,
                    actor=caller.subject,
                    role=caller.role.value,
                    unit_code=caller.unit_code,
                    client_id=caller.client_id,
                    resource=refusal.resource,
                    request_id=current_request_id.get(),
                    outcome="refused",
                    status=refusal.status,
                    at=utcnow(),
                    count=refusal.count,
                ),
            )
    return Response(status_code=204)
