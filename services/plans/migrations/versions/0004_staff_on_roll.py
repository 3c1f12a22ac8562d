"""Staff on roll per unit and category (cán bộ, công chức, viên chức, …).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:55:36.037595
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
    op.create_table('unit_staffing',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('on_roll', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('updated_at', servicekit.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('unit_id', 'category')
    )


def downgrade() -> None:
    op.drop_table('unit_staffing')
