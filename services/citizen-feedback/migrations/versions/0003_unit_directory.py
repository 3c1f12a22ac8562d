"""The unit directory: registry units, fed by the plans service's events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:06:31.317455
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unit_directory',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_directory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_directory_parent_id'), ['parent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit_directory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_directory_parent_id'))

    op.drop_table('unit_directory')