"""Scorecards are searched by official code: who a caller is comes as a unit code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 03:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.create_index('ix_unit_scores_code', ['code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_scores_code')
