"""Row versions: an update of a row someone else changed first fails (409), not wins.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:55:14.914527
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('row_version')

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('row_version')

    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_column('row_version')

    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.drop_column('row_version')

    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.drop_column('row_version')
