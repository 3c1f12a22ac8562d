"""Audit records leave the service through its outbox, in the transaction that made them."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.audit import AuditRecorded
from eventbus import outbox


def stage(session: AsyncSession, record: AuditRecorded) -> None:
    """Write the record to the session's outbox."""
    outbox.add(session, record, source=f"/congvu/{record.service}")
