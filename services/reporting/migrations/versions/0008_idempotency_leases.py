"""Idempotency-Key claims get a holder, a lease and the mark of a committed change.

A claim whose holder died before changing anything lapses and the request runs again;
one whose change committed but whose answer was lost says so (`servicekit.idempotency`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 03:00:00.000000
"""
from collections.abc import Sequence

from servicekit.migrations import add_idempotency_leases, drop_idempotency_leases

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_idempotency_leases()


def downgrade() -> None:
    drop_idempotency_leases()
