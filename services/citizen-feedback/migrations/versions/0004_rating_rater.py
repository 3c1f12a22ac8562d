"""Ratings record who rated: a citizen, a kiosk on a citizen's behalf, or an official.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:20:11.402877
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rater', sa.String(length=20), server_default='citizen', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_column('rater')
