"""Scorecards count planned inspections once they have started.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:07:27.322884
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspections_started', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.drop_column('inspections_started')
