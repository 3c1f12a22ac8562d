"""A visit names the scheduled inspection it carries out.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:31:18.829106
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_visits_inspection_id'), ['inspection_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_inspection_id'))
        batch_op.drop_column('inspection_id')
