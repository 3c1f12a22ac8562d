"""The unit directory: registry units, fed by the plans service's events.

A visit takes place at a unit the registry announced, within the team's province.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:55:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.sqltypes

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'unit_directory',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('code', sa.String(length=50), nullable=False),
        sa.Column('parent_id', sa.Uuid(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('unit_directory', schema=None) as batch_op:
        batch_op.create_index('ix_unit_directory_parent_id', ['parent_id'], unique=False)
        batch_op.create_index('ix_unit_directory_code', ['code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit_directory', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_directory_code')
        batch_op.drop_index('ix_unit_directory_parent_id')
    op.drop_table('unit_directory')
