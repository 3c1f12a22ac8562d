"""Audit records leave the service through its outbox, in the transaction that made them."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import AuditRecorded
from eventbus import outbox
from servicekit.audit import AuditRecord


def stage(session: AsyncSession, record: AuditRecord) -> None:
    """Write the record as an AuditRecorded event to the session's outbox."""
    outbox.add(
        session,
        AuditRecorded(
            entry_id=record.entry_id,
            service=record.service,
            operation=record.operation,
            actor=record.actor,
            role=record.role,
            unit_code=record.unit_code,
            client_id=record.client_id,
            resource=record.resource,
            request_id=record.request_id,
            outcome=record.outcome,
            status=record.status,
            at=record.at,
            count=record.count,
        ),
        source=f"/congvu/{record.service}",
    )
