"""An inspection shows when its visit's record was sealed, and under which digest.

Revision ID: 0012_inspection_record
Revises: 0011_idempotency_leases
Create Date: 2026-12-06 23:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from servicekit.sqltypes import UTCDateTime

revision: str = '0012_inspection_record'
down_revision: str | None = '0011_idempotency_leases'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspections") as table:
        table.add_column(sa.Column("recorded_at", UTCDateTime(), nullable=True))
        table.add_column(sa.Column("record_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inspections") as table:
        table.drop_column("record_digest")
        table.drop_column("recorded_at")
